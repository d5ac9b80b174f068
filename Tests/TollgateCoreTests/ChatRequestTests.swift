import Testing
import TollgateCore
@testable import TollgateBase
@testable import TollgateHTTPClient
@testable import TollgateExactCache
@testable import TollgateSemantic
@testable import TollgateProviders
@testable import TollgateRouting
@testable import TollgateShared
@testable import TollgateFixtures
@testable import TollgateDialects
@testable import TollgatePipeline
@testable import TollgateServer
@testable import TollgateMock
@testable import TollgateBench

@Suite("Chat request validation")
struct ChatRequestTests {
    func rejection(_ body: String) -> GatewayError? {
        do {
            _ = try ChatRequest(body: Array(body.utf8), maxMessages: 3)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("not json", nil as String?),
        ("[1,2]", nil),
        (#"{"messages":[{"role":"user","content":"hi"}]}"#, "model"),
        (#"{"model":5,"messages":[{"role":"user","content":"hi"}]}"#, "model"),
        (#"{"model":"m"}"#, "messages"),
        (#"{"model":"m","messages":[]}"#, "messages"),
        (#"{"model":"m","messages":{}}"#, "messages"),
        (#"{"model":"m","messages":[1]}"#, "messages[0]"),
        (#"{"model":"m","messages":[{"content":"hi"}]}"#, "messages[0].role"),
        (#"{"model":"m","messages":[{"role":"wizard","content":"hi"}]}"#, "messages[0].role"),
        (#"{"model":"m","messages":[{"role":"user"}]}"#, "messages[0].content"),
        (#"{"model":"m","messages":[{"role":"user","content":7}]}"#, "messages[0].content"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"text":"x"}]}]}"#, "messages[0].content[0].type"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}"#, "messages[0].content[0].text"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":null}]}]}"#, "messages[0].content[0].text"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":5}]}]}"#, "messages[0].content[0].text"),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":{"a":1}}]}]}"#, "messages[0].content[0].text"),
        (#"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#, "messages[0].tool_call_id"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":3}"#, "temperature"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}"#, "temperature"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"top_p":1.5}"#, "top_p"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"n":0}"#, "n"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":1.5}"#, "max_tokens"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":"yes"}"#, "stream"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}"#, "stream_options"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":[1]}"#, "stop"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function"}]}"#, "tools[0].function.name"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"xml"}}"#, "response_format.type"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"maybe"}"#, "tool_choice"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":5}"#, "tool_choice"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":{"function":{"name":"f"}}}"#, "tool_choice.type"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":{"type":"function"}}"#, "tool_choice.function.name"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}}"#, "tool_choice"),
        (#"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":"c"},{"role":"user","content":"d"}]}"#, "messages"),
    ])
    func invalidBodiesAre400WithTheParam(body: String, param: String?) {
        let error = rejection(body)
        #expect(error?.status == .badRequest, "\(body)")
        #expect(error?.param == param, "\(body): \(error?.description ?? "accepted")")
        #expect(error?.type == "invalid_request_error")
    }

    @Test func validRequestsAreAccepted() throws {
        let r = try ChatRequest(body: Array(#"{"model":"m","messages":[{"role":"system","content":"s"},{"role":"assistant","content":null,"tool_calls":[]},{"role":"tool","tool_call_id":"c","content":"r"},{"role":"user","content":[{"type":"text","text":"hi"}]}],"stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":50,"stop":"x"}"#.utf8))
        #expect(r.stream && r.includeUsage && r.maxTokens == 50)
        #expect(r.needs == [.stream])
        #expect(r.lastUserText == "hi")
    }
}
