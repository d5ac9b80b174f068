import Foundation
import Testing
import TollgateCore

/// Reads a whole SSE answer and returns its events' data.
func sseEvents(_ reply: Reply) -> [String] {
    var parser = SSEParser()
    return parser.feed(reply.body + [0x0A, 0x0A]).map(\.data)
}

func streamedContent(_ reply: Reply) -> String {
    sseEvents(reply).compactMap { try? JSONValue.parse($0) }.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
}

/// Polls `condition` until it holds or the deadline passes.
func eventually(within: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + within
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

@Suite("Live streaming")
struct StreamingLiveTests {
    let streamBody = chatBody("Tell me a story about a fox", extra: #","stream":true"#)

    @Test func streamedMissThenReplayedHitThenJSONHit() async throws {
        let mock = try await startMock(["--chunk-delay-ms", "2"])
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let miss = try await post(chat, streamBody)
        #expect(miss.status == 200 && miss.cache == "miss")
        #expect(miss.headers["content-type"] == "text/event-stream")
        #expect(miss.headers["x-tollgate-cost-usd"] == nil, "the cost of a streamed miss is not known when headers go out")
        #expect(sseEvents(miss).last == "[DONE]")
        #expect(sseEvents(miss).count > 10, "forwarded chunk by chunk")
        let text = streamedContent(miss)
        #expect(text.contains("Tell me a story about a fox"))

        let hit = try await post(chat, streamBody)
        #expect(hit.cache == "hit" && streamedContent(hit) == text)
        #expect(Double(hit.headers["x-tollgate-saved-usd"] ?? "") ?? 0 > 0, "the cost recorded when the stream ended is reported as saved")
        let json = try await post(chat, chatBody("Tell me a story about a fox"))
        #expect(json.cache == "hit" && json.content == text, "a streamed answer serves a JSON request")
        #expect(try await upstreamCalls(mock) == 1)
    }

    @Test func jsonAnswerServesAStreamWithUsage() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let json = try await post(chat, chatBody("Why is the sky blue?"))
        let streamed = try await post(chat, chatBody("Why is the sky blue?", extra: #","stream":true,"stream_options":{"include_usage":true}"#))
        #expect(streamed.cache == "hit")
        #expect(streamedContent(streamed) == json.content)
        let usage = sseEvents(streamed).compactMap { try? JSONValue.parse($0) }.last?["usage"]
        #expect(usage?["total_tokens"] == json.json?["usage"]?["total_tokens"])
    }

    @Test func aCutStreamIsAnErrorAndNotCached() async throws {
        let mock = try await startMock(["--cut-stream-after", "4"])
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let cut = try await post(chat, streamBody)
        let events = sseEvents(cut)
        #expect(events.last != "[DONE]")
        #expect(events.compactMap { try? JSONValue.parse($0) }.last?["error"]?["code"]?.stringValue == "upstream_stream_failed")
        let again = try await post(chat, streamBody)
        #expect(again.cache == "miss", "a cut stream is never cached")
        #expect(try await upstreamCalls(mock) == 2)
    }

    @Test func anthropicStreamReachesAnOpenAIClient() async throws {
        let mock = try await startMock(["--flavor", "anthropic"])
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("claude", port: mock.port, kind: "anthropic", model: "claude-haiku"))
        let body = #"{"model":"claude-haiku","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"Name three colours"}]}"#
        let reply = try await post(gateway.url + "/v1/chat/completions", body)
        #expect(reply.status == 200)
        let chunks = sseEvents(reply).compactMap { try? JSONValue.parse($0) }
        #expect(chunks.first?["choices"]?.arrayValue?.first?["delta"]?["role"]?.stringValue == "assistant")
        #expect(streamedContent(reply).contains("Name three colours"))
        #expect(chunks.contains { $0["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue == "stop" })
        #expect((chunks.last?["usage"]?["prompt_tokens"]?.intValue ?? 0) > 0)
        #expect(try await post(gateway.url + "/v1/chat/completions", body).cache == "hit")
    }

    @Test func clientDisconnectStopsTheUpstream() async throws {
        // Answers padded to 250 words of 1,000 bytes, one event each 100 ms: a 25 s stream, so the
        // client leaves long before its end even on a loaded machine (the echo alone is ~3 s).
        let mock = try await startMock(["--chunk-delay-ms", "100", "--answer-bytes", "250000"])
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let long = String(repeating: "word ", count: 20)
        let stream = try await CurlClient.shared.open(UpstreamHTTPRequest(url: gateway.url + "/v1/chat/completions",
            headers: [("Content-Type", "application/json")], body: Array(chatBody(long, extra: #","stream":true"#).utf8)))
        #expect(stream.head.status == 200)
        _ = try await stream.next()
        #expect(try await get(mock.url + "/_mock/stats").json?["streams_open"]?.intValue == 1)
        stream.cancel()  // the client goes away mid-stream
        let ended = try await eventually {
            try await get(mock.url + "/_mock/stats").json?["streams_open"]?.intValue == 0
        }
        #expect(ended, "the upstream transfer must end when the client leaves")
        #expect(try await get(gateway.url + "/healthz").status == 200)
        // The same request as JSON (one cache key for both): nothing was cached from the cut stream.
        #expect(try await post(gateway.url + "/v1/chat/completions", chatBody(long)).cache == "miss", "nothing cached")
    }
}
