import Foundation
import Testing
import TollgateCore

/// Every route and response kind goes through the same admission, accounting and single flight
/// as JSON chat: embeddings, streams, and the router's model kinds and status mapping.
@Suite("Same rules on every path, live")
struct SamePathLiveTests {
    static func embeddingsProvider(_ port: Int) -> String {
        """
          - name: vectors
            kind: openai
            base_url: http://127.0.0.1:\(port)/v1
            models:
              - { name: text-embedding-3-small, input_usd_per_mtok: 0.02, output_usd_per_mtok: 0 }

        """
    }

    @Test func embeddingsObeyKeyLimitsAndShowInStats() async throws {
        let mock = try await startMock()
        setenv("TG_IT_EMB_LIMITED", "emb-limited-key", 1)
        setenv("TG_IT_EMB_ADMIN", "emb-admin-key", 1)
        let keys = "keys:\n  - { key_env: TG_IT_EMB_LIMITED, tenant: emb, requests_per_minute: 3 }\n  - { key_env: TG_IT_EMB_ADMIN, tenant: ops, admin: true }\n"
        let (gateway, _) = try await startGateway(config: keys + "providers:\n" + providerYAML("budget", port: mock.port) + Self.embeddingsProvider(mock.port))
        let url = gateway.url + "/v1/embeddings"
        let key = [("Authorization", "Bearer emb-limited-key")]
        let body = #"{"model":"text-embedding-3-small","input":"limits apply to embeddings too"}"#
        var statuses: [Int] = []
        for _ in 0..<5 { statuses.append(try await post(url, body, headers: key).status) }
        #expect(statuses == [200, 200, 200, 429, 429], "requests_per_minute: 3 holds for embeddings (hits included)")
        let stats = try await get(gateway.url + "/admin/stats", headers: [("Authorization", "Bearer emb-admin-key")]).json
        let emb = stats?["tenants"]?["emb"]
        #expect(emb?["requests"]?.intValue == 5)
        #expect(emb?["misses"]?.intValue == 1 && emb?["hits"]?.intValue == 2)
        #expect((emb?["spent_usd"]?.doubleValue ?? 0) > 0)
        #expect(stats?["total"]?["errors"]?.intValue == 2, "the two 429s are errors in the total too")
    }

    @Test func embeddingsInputsAreBoundedBeforeAnyWork() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + Self.embeddingsProvider(mock.port))
        let url = gateway.url + "/v1/embeddings"
        let many = "[" + Array(repeating: "\"x\"", count: 2049).joined(separator: ",") + "]"
        let tooMany = try await post(url, #"{"model":"text-embedding-3-small","input":\#(many)}"#)
        #expect(tooMany.status == 400 && tooMany.json?["error"]?["param"]?.stringValue == "input", "\(tooMany.text)")
        let long = String(repeating: "word ", count: 8000)  // ≈ 10,000 tokens
        let tooLong = try await post(url, #"{"model":"all-MiniLM-L6-v2","input":"\#(long)"}"#)
        #expect(tooLong.status == 400 && tooLong.json?["error"]?["param"]?.stringValue == "input", "\(tooLong.text)")
        #expect(try await upstreamCalls(mock) == 0)
    }

    @Test func concurrentIdenticalStreamedMissesMakeOneUpstreamCall() async throws {
        let mock = try await startMock(["--chunk-delay-ms", "20"])
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let body = chatBody("Stream this once for everyone", extra: #","stream":true"#)
        let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
            for _ in 0..<3 { group.addTask { try await post(chat, body) } }
            var all: [Reply] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(replies.allSatisfy { $0.status == 200 && $0.text.contains("[DONE]") })
        #expect(try await upstreamCalls(mock) == 1, "followers wait for the leader's stream and replay its answer")
        #expect(replies.filter { $0.cache == "miss" }.count == 1)
    }

    @Test func streamedMissesAreInStatsAndLatency() async throws {
        let mock = try await startMock(["--chunk-delay-ms", "5"])
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let r = try await post(gateway.url + "/v1/chat/completions", chatBody("Account for this stream", extra: #","stream":true"#))
        #expect(r.status == 200 && r.cache == "miss")
        // The spend is added when the stream ends, after the response headers: poll with a deadline.
        var spent = 0.0
        let deadline = Date().addingTimeInterval(10)
        while spent == 0 && Date() < deadline {
            spent = try await get(gateway.url + "/admin/stats").json?["total"]?["spent_usd"]?.doubleValue ?? 0
        }
        #expect(spent > 0, "a streamed miss's cost reaches /admin/stats")
        let metrics = try await get(gateway.url + "/metrics").text
        let sum = metrics.split(separator: "\n").first { $0.hasPrefix("tollgate_upstream_latency_seconds_sum") }
        #expect((sum.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0) > 0, "the stream's upstream time is measured: \(sum ?? "none")")
    }

    @Test func chatNeverGoesToAnEmbeddingsModelAndUpstream429Is429() async throws {
        let mock = try await startMock()
        let limited = try await startMock(["--fail-status", "429"])
        let (gateway, _) = try await startGateway(config: "providers:\n" + Self.embeddingsProvider(mock.port) + providerYAML("chatty", port: mock.port, input: 5, output: 5)
            + providerYAML("busy", port: limited.port, model: "gpt-busy"))
        let chat = gateway.url + "/v1/chat/completions"
        let auto = try await post(chat, chatBody("Which model answers auto?", model: "auto"))
        #expect(auto.status == 200 && auto.headers["x-tollgate-provider"] == "chatty", "auto picks a chat model even when an embeddings model is cheaper")
        let wrong = try await post(chat, chatBody("hello", model: "text-embedding-3-small"))
        #expect(wrong.status == 400 && wrong.json?["error"]?["code"]?.stringValue == "model_not_supported", "\(wrong.text)")
        // …and embeddings never go to a chat model.
        let callsBefore = try await upstreamCalls(mock)
        let reverse = try await post(gateway.url + "/v1/embeddings", #"{"model":"gpt-4o-mini","input":"hello"}"#)
        #expect(reverse.status == 400 && reverse.json?["error"]?["code"]?.stringValue == "model_not_supported", "\(reverse.text)")
        #expect(reverse.json?["error"]?["message"]?.stringValue?.contains("chat model") == true, "\(reverse.text)")
        for bad in [#"{"model":"text-embedding-3-small","input":""}"#, #"{"model":"text-embedding-3-small","input":["a",""]}"#,
                    #"{"model":"text-embedding-3-small","input":"a","user":5}"#] {
            let r = try await post(gateway.url + "/v1/embeddings", bad)
            #expect(r.status == 400 && r.json?["error"]?["param"] != nil, "\(bad): \(r.text)")
        }
        #expect(try await upstreamCalls(mock) == callsBefore, "nothing forwarded")
        let busy = try await post(chat, chatBody("hello", model: "gpt-busy"))
        #expect(busy.status == 429 && busy.json?["error"]?["type"]?.stringValue == "rate_limit_error", "\(busy.text)")
        #expect(busy.headers["retry-after"] != nil)
    }
}
