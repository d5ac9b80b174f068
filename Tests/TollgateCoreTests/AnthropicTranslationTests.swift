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

@Suite("Anthropic translation")
struct AnthropicTranslationTests {
    @Test func requestMovesSystemSetsMaxTokensAndMapsTools() throws {
        let request = try ChatRequest(body: Array(#"""
        {"model":"claude","messages":[
          {"role":"system","content":"Be brief."},
          {"role":"user","content":"Weather in Paris?"},
          {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"18C"},
          {"role":"user","content":"Thanks"}],
         "tools":[{"type":"function","function":{"name":"weather","description":"w","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
         "tool_choice":"required","stop":"END","temperature":1.5}
        """#.utf8))
        let body = AnthropicProvider.translateRequest(request, upstreamModel: "claude-3-5-haiku")
        #expect(body["model"]?.stringValue == "claude-3-5-haiku")
        #expect(body["system"]?.stringValue == "Be brief.")
        #expect(body["max_tokens"]?.intValue == AnthropicProvider.defaultMaxTokens)
        #expect(body["temperature"]?.doubleValue == 1, "Anthropic's range ends at 1")
        #expect(body["stop_sequences"] == ["END"])
        #expect(body["tool_choice"] == ["type": "any"])
        #expect(body["tools"]?.arrayValue?.first?["input_schema"]?["type"]?.stringValue == "object")
        let messages = try #require(body["messages"]?.arrayValue)
        #expect(messages.map { $0["role"]?.stringValue ?? "" } == ["user", "assistant", "user"], "roles alternate; the tool result and the next user turn merge")
        let toolUse = try #require(messages[1]["content"]?.arrayValue?.first)
        #expect(toolUse["type"]?.stringValue == "tool_use" && toolUse["input"]?["city"]?.stringValue == "Paris")
        let results = try #require(messages[2]["content"]?.arrayValue)
        #expect(results[0]["type"]?.stringValue == "tool_result" && results[0]["tool_use_id"]?.stringValue == "call_1")
        #expect(results[1]["text"]?.stringValue == "Thanks")
    }

    @Test func responseBecomesAChatCompletion() throws {
        let message = try JSONValue.parse(#"""
        {"id":"msg_1","type":"message","role":"assistant","model":"claude-3-5-haiku","stop_reason":"tool_use","stop_sequence":null,
         "content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}}],
         "usage":{"input_tokens":12,"output_tokens":34}}
        """#)
        let answer = try AnthropicProvider.translateResponse(message, requestedModel: "claude", provider: "a")
        #expect(answer.promptTokens == 12 && answer.completionTokens == 34)
        let choice = try #require(answer.body["choices"]?.arrayValue?.first)
        #expect(choice["finish_reason"]?.stringValue == "tool_calls")
        #expect(choice["message"]?["content"]?.stringValue == "Checking.")
        let call = try #require(choice["message"]?["tool_calls"]?.arrayValue?.first)
        #expect(call["id"]?.stringValue == "toolu_1" && call["function"]?["name"]?.stringValue == "weather")
        #expect(try JSONValue.parse(call["function"]?["arguments"]?.stringValue ?? "") == ["city": "Paris"])
        #expect(answer.body["usage"]?["total_tokens"]?.intValue == 46)
        #expect(answer.body["object"]?.stringValue == "chat.completion")
    }

    @Test(arguments: [("end_turn", "stop"), ("max_tokens", "length"), ("stop_sequence", "stop"), ("tool_use", "tool_calls")])
    func stopReasonsMap(anthropic: String, openai: String) {
        #expect(AnthropicProvider.finishReason(anthropic) == openai)
    }

    @Test func incompleteMessagesAreRejected() throws {
        let cut = try JSONValue.parse(#"{"id":"m","type":"message","content":[{"type":"text","text":"Hal"}],"stop_reason":null}"#)
        #expect(throws: UpstreamFailure.self) { try AnthropicProvider.translateResponse(cut, requestedModel: "c", provider: "a") }
    }

    @Test func errorsBecomeOpenAIShaped() throws {
        let raw = Array(#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too large"}}"#.utf8)
        let json = try JSONValue.parse(AnthropicProvider.translateError(raw))
        #expect(json["error"]?["message"]?.stringValue == "max_tokens: too large")
        #expect(json["error"]?["type"]?.stringValue == "invalid_request_error")
    }

    @Test func responseFormatIsAForcedToolNotDropped() throws {
        let request = try ChatRequest(body: Array(#"{"model":"claude","messages":[{"role":"user","content":"A city"}],"response_format":{"type":"json_schema","json_schema":{"name":"City","schema":{"type":"object","properties":{"name":{"type":"string"}}}}}}"#.utf8))
        let body = AnthropicProvider.translateRequest(request, upstreamModel: "claude-x")
        #expect(body["tool_choice"] == ["type": "tool", "name": .string(AnthropicProvider.jsonToolName)])
        let tool = try #require(body["tools"]?.arrayValue?.last)
        #expect(tool["input_schema"]?["properties"]?["name"]?["type"]?.stringValue == "string")
        let message = try JSONValue.parse(#"{"id":"m","type":"message","model":"claude-x","stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2},"content":[{"type":"tool_use","id":"t","name":"\#(AnthropicProvider.jsonToolName)","input":{"name":"Lyon"}}]}"#)
        let choice = try #require(try AnthropicProvider.translateResponse(message, requestedModel: "claude", provider: "a").body["choices"]?.arrayValue?.first)
        #expect(choice["finish_reason"]?.stringValue == "stop")
        #expect(try JSONValue.parse(choice["message"]?["content"]?.stringValue ?? "") == ["name": "Lyon"])
        #expect(choice["message"]?["tool_calls"] == nil)
    }
}
