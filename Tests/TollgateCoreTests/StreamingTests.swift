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

@Suite("Streaming: SSE, assembly, replay, Anthropic events")
struct StreamingTests {
    @Test func parserHandlesSplitsCommentsAndCRLF() {
        var p = SSEParser()
        var events = p.feed(Array("data: {\"a\":".utf8))
        #expect(events.isEmpty)
        events = p.feed(Array("1}\r\n\r\n: keep-alive\n\nevent: ping\ndata: x\ndata: y\n\ndata: [DONE]\n".utf8))
        #expect(events == [SSEEvent(event: nil, data: #"{"a":1}"#), SSEEvent(event: "ping", data: "x\ny")])
        #expect(p.feed(Array("\n".utf8)) == [SSEEvent(event: nil, data: "[DONE]")])
    }

    static let completion = try! JSONValue.parse(#"""
    {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
     "choices":[{"index":0,"message":{"role":"assistant","content":"The quick brown fox jumps over the lazy dog and keeps running far away.","refusal":null},"logprobs":null,"finish_reason":"stop"},
                {"index":1,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"fox\"}"}}],"refusal":null},"logprobs":null,"finish_reason":"tool_calls"}],
     "usage":{"prompt_tokens":5,"completion_tokens":17,"total_tokens":22}}
    """#)

    @Test func replayThenAssembleGivesTheSameAnswer() throws {
        let chunks = Replay.chunks(of: Self.completion, includeUsage: true)
        #expect(chunks.allSatisfy { $0["object"]?.stringValue == "chat.completion.chunk" })
        #expect(chunks.last?["usage"]?["total_tokens"]?.intValue == 22)
        #expect(chunks.last?["choices"]?.arrayValue?.isEmpty == true)
        var assembler = ChunkAssembler(expectedChoices: 2)
        for (i, c) in chunks.enumerated() {
            #expect(assembler.completion() == nil || i >= chunks.count - 1, "complete only once every choice finished")
            assembler.add(c)
        }
        #expect(assembler.completion() == Self.completion)
    }

    @Test func replayWithoutUsageHasNoUsageChunk() {
        let chunks = Replay.chunks(of: Self.completion, includeUsage: false)
        #expect(chunks.allSatisfy { $0["usage"] == nil })
        #expect(chunks.count == 1 + 2 + 1 + 1 + 1 + 1, "role, two content pieces, finish; role, tool call, finish")
    }

    @Test func aStreamWithoutFinishReasonIsIncomplete() {
        var assembler = ChunkAssembler(expectedChoices: 2)
        for c in Replay.chunks(of: Self.completion, includeUsage: false).dropLast() { assembler.add(c) }
        #expect(!assembler.isComplete)
        #expect(assembler.completion() == nil)
    }

    @Test func anthropicEventsBecomeOpenAIChunksWithToolCalls() throws {
        let decoder = AnthropicStreamDecoder(provider: "claude", requestedModel: "claude-haiku")
        let events: [(String, String)] = [
            ("message_start", #"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-3-5-haiku","content":[],"usage":{"input_tokens":25,"output_tokens":1}}}"#),
            ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me "}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"check."}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            ("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"weather","input":{}}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": "}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
            ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":40}}"#),
            ("message_stop", #"{"type":"message_stop"}"#),
        ]
        var assembler = ChunkAssembler()
        var done = false
        for (name, data) in events {
            let (chunks, end) = try decoder.decode(SSEEvent(event: name, data: data))
            chunks.forEach { assembler.add($0) }
            done = end
        }
        #expect(done)
        let c = try #require(assembler.completion())
        let message = c["choices"]?.arrayValue?.first?["message"]
        #expect(message?["content"]?.stringValue == "Let me check.")
        #expect(c["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue == "tool_calls")
        let call = message?["tool_calls"]?.arrayValue?.first
        #expect(call?["id"]?.stringValue == "toolu_1" && call?["function"]?["name"]?.stringValue == "weather")
        #expect(try JSONValue.parse(call?["function"]?["arguments"]?.stringValue ?? "") == ["city": "Paris"])
        #expect(c["usage"]?["prompt_tokens"]?.intValue == 25 && c["usage"]?["completion_tokens"]?.intValue == 40)
    }

    @Test func anthropicErrorEventFailsTheStream() {
        let decoder = AnthropicStreamDecoder(provider: "claude", requestedModel: "m")
        #expect(throws: UpstreamFailure.self) {
            try decoder.decode(SSEEvent(event: "error", data: #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#))
        }
    }

    @Test func openAIErrorChunkFailsTheStream() {
        let decoder = OpenAIStreamDecoder(provider: "p")
        #expect(throws: UpstreamFailure.self) { try decoder.decode(SSEEvent(event: nil, data: #"{"error":{"message":"boom"}}"#)) }
        #expect((try? decoder.decode(SSEEvent(event: nil, data: "[DONE]")))?.done == true)
    }
}
