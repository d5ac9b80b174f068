import Foundation
import Testing
import TollgateCore

/// The real binary over loopback: `tollgate serve` in front of `tollgate mock-provider`s.
@Suite("Live gateway")
struct GatewayLiveTests {
    @Test func repeatIsAHitAndTheUpstreamCounterDoesNotMove() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"

        let first = try await post(chat, chatBody("What is the capital of France?"))
        #expect(first.status == 200)
        #expect(first.cache == "miss")
        #expect(first.headers["x-tollgate-provider"] == "budget")
        #expect(Double(first.headers["x-tollgate-cost-usd"] ?? "") ?? 0 > 0)
        #expect(first.content?.contains("capital of France") == true)
        #expect(try await upstreamCalls(mock) == 1)

        let second = try await post(chat, chatBody("What is the capital of France?"))
        #expect(second.cache == "hit")
        #expect(second.body == first.body)
        #expect(second.headers["x-tollgate-cost-usd"] == "0.000000")
        #expect(second.headers["x-tollgate-saved-usd"] == first.headers["x-tollgate-cost-usd"])
        #expect(second.headers["x-tollgate-provider"] == "budget")
        #expect(second.headers["age"] != nil)
        #expect(try await upstreamCalls(mock) == 1, "a hit must not reach the upstream")

        // Same request, other key order and number spelling: the canonical key still hits.
        let reordered = #"{"messages":[{"content":"What is the capital of France?","role":"user"}],"model":"gpt-4o-mini"}"#
        #expect(try await post(chat, reordered).cache == "hit")
        // A parameter that changes the answer is a different entry.
        #expect(try await post(chat, chatBody("What is the capital of France?", extra: #","temperature":0"#)).cache == "miss")
        #expect(try await upstreamCalls(mock) == 2)
    }

    @Test func cheapProviderAnswersUntilItFailsThenTheExpensiveOne() async throws {
        let cheap = try await startMock()
        let dear = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("dear", port: dear.port, input: 2.5, output: 10)
            + providerYAML("cheap", port: cheap.port, input: 0.15, output: 0.6))
        let chat = gateway.url + "/v1/chat/completions"

        let a = try await post(chat, chatBody("first question"))
        #expect(a.headers["x-tollgate-provider"] == "cheap")
        cheap.stop()  // the cheap upstream goes away: connection refused
        let b = try await post(chat, chatBody("second question"))
        #expect(b.status == 200)
        #expect(b.headers["x-tollgate-provider"] == "dear")
        #expect(try await upstreamCalls(dear) == 1)
        // The earlier answer is still served from the cache, with its original provider.
        let again = try await post(chat, chatBody("first question"))
        #expect(again.cache == "hit" && again.headers["x-tollgate-provider"] == "cheap")
    }

    @Test func serverErrorsFallBackAndAreNeverCached() async throws {
        let failing = try await startMock(["--fail-status", "503"])
        let healthy = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("failing", port: failing.port, input: 0.1, output: 0.1)
            + providerYAML("healthy", port: healthy.port, input: 1, output: 1))
        let reply = try await post(gateway.url + "/v1/chat/completions", chatBody("hello"))
        #expect(reply.status == 200 && reply.headers["x-tollgate-provider"] == "healthy")
        #expect(try await upstreamCalls(failing) == 1)
        healthy.stop()
        // Every provider failing: a 502 in OpenAI's shape, and nothing cached.
        let down = try await post(gateway.url + "/v1/chat/completions", chatBody("never answered"))
        #expect(down.status == 502)
        #expect(down.json?["error"]?["type"]?.stringValue == "upstream_error")
        let again = try await post(gateway.url + "/v1/chat/completions", chatBody("never answered"))
        #expect(again.status == 502, "a failure is not cached")
    }

    @Test func clientErrorsFromTheUpstreamPassThroughWithoutFallback() async throws {
        let rejecting = try await startMock(["--fail-status", "400"])
        let other = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("rejecting", port: rejecting.port, input: 0.1, output: 0.1)
            + providerYAML("other", port: other.port, input: 1, output: 1))
        let reply = try await post(gateway.url + "/v1/chat/completions", chatBody("hello"))
        #expect(reply.status == 400)
        #expect(reply.json?["error"]?["message"]?.stringValue?.contains("mock failure") == true)
        #expect(try await upstreamCalls(other) == 0)
    }

    @Test func anthropicUpstreamAnswersAnOpenAIRequest() async throws {
        let mock = try await startMock(["--flavor", "anthropic"])
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("claude", port: mock.port, kind: "anthropic", model: "claude-haiku"))
        let body = #"{"model":"claude-haiku","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Name a colour."}]}"#
        let reply = try await post(gateway.url + "/v1/chat/completions", body)
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.json?["object"]?.stringValue == "chat.completion")
        #expect(reply.content?.contains("Name a colour.") == true)
        let choice = reply.json?["choices"]?.arrayValue?.first
        #expect(choice?["finish_reason"]?.stringValue == "stop")
        #expect((reply.json?["usage"]?["prompt_tokens"]?.intValue ?? 0) > 0)
        #expect(try await post(gateway.url + "/v1/chat/completions", body).cache == "hit")
    }

    @Test func entriesSurviveARestart() async throws {
        let mock = try await startMock()
        let config = "providers:\n" + providerYAML("budget", port: mock.port)
        let (first, dir) = try await startGateway(config: config)
        #expect(try await post(first.url + "/v1/chat/completions", chatBody("remember me")).cache == "miss")
        first.kill()  // kill -9: the acknowledged answer must already be committed
        let (second, _) = try await startGateway(config: config, dataDir: dir)
        let reply = try await post(second.url + "/v1/chat/completions", chatBody("remember me"))
        #expect(reply.cache == "hit")
        #expect(try await upstreamCalls(mock) == 1)
    }

    @Test func cacheControlHeaders() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        // no-store: answered, not stored.
        #expect(try await post(chat, chatBody("a"), headers: [("Cache-Control", "no-store")]).cache == "miss")
        #expect(try await post(chat, chatBody("a")).cache == "miss")
        #expect(try await post(chat, chatBody("a")).cache == "hit")
        // no-cache: lookup skipped (bypass), upstream called, answer stored.
        let calls = try await upstreamCalls(mock)
        #expect(try await post(chat, chatBody("a"), headers: [("Cache-Control", "no-cache")]).cache == "bypass")
        #expect(try await upstreamCalls(mock) == calls + 1)
        // x-tollgate-cache: off: bypass, nothing stored.
        #expect(try await post(chat, chatBody("b"), headers: [("x-tollgate-cache", "off")]).cache == "bypass")
        #expect(try await post(chat, chatBody("b")).cache == "miss")
        // max-age=0 refuses an entry older than 0 s only when it is; a fresh entry still hits at max-age=60.
        #expect(try await post(chat, chatBody("b"), headers: [("Cache-Control", "max-age=60")]).cache == "hit")
        let bad = try await post(chat, chatBody("b"), headers: [("x-tollgate-cache", "sometimes")])
        #expect(bad.status == 400 && bad.json?["error"]?["param"]?.stringValue == "x-tollgate-cache")
    }

    @Test func clientMistakesGetOpenAIShapedErrors() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "limits: { max_body_bytes: 2000 }\nproviders:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let cases: [(String, Int, String?)] = [
            ("{not json", 400, nil),
            (#"{"messages":[{"role":"user","content":"x"}]}"#, 400, "model"),
            (#"{"model":"gpt-4o-mini","messages":[{"role":"user"}]}"#, 400, "messages[0].content"),
            (chatBody("x", model: "gpt-9"), 404, "model"),
            (chatBody(String(repeating: "y", count: 3000)), 413, nil),
            (chatBody("x", extra: #","stream":"yes""#), 400, "stream"),
        ]
        for (body, status, param) in cases {
            let r = try await post(chat, body)
            #expect(r.status == status, "\(body.prefix(60)): \(r.text)")
            #expect(r.json?["error"]?["message"]?.stringValue?.isEmpty == false)
            #expect(r.json?["error"]?["param"]?.stringValue == param)
            #expect(r.headers["content-type"] == "application/json")
        }
        #expect(try await get(gateway.url + "/v1/nothing-here").status == 404)
        #expect(try await upstreamCalls(mock) == 0, "no bad request reached the upstream")
        #expect(try await get(gateway.url + "/healthz").json?["status"]?.stringValue == "ok")
        let models = try await get(gateway.url + "/v1/models").json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        #expect(models == ["gpt-4o-mini", "auto"])
    }

    @Test func concurrentIdenticalMissesMakeOneUpstreamCall() async throws {
        let mock = try await startMock(["--latency-ms", "300"])
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
            for _ in 0..<20 { group.addTask { try await post(gateway.url + "/v1/chat/completions", chatBody("a slow question")) } }
            return try await group.reduce(into: [Reply]()) { $0.append($1) }
        }
        #expect(replies.count == 20 && replies.allSatisfy { $0.status == 200 })
        #expect(Set(replies.map(\.body)).count == 1, "20 identical answers")
        #expect(replies.filter { $0.cache == "miss" }.count == 1, "one leader; the others are served its answer")
        #expect(try await upstreamCalls(mock) == 1)
    }

    @Test func requestsPerMinuteAndDailyBudget() async throws {
        let mock = try await startMock()
        setenv("TG_IT_LIMITED", "limited-key", 1)
        setenv("TG_IT_THRIFTY", "thrifty-key", 1)
        let keys = "keys:\n  - { key_env: TG_IT_LIMITED, tenant: a, requests_per_minute: 3 }\n  - { key_env: TG_IT_THRIFTY, tenant: b, usd_per_day: 0.000001 }\n"
        let (gateway, _) = try await startGateway(config: keys + "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let limited = [("Authorization", "Bearer limited-key")]
        for _ in 0..<3 { #expect(try await post(chat, chatBody("same"), headers: limited).status == 200) }
        let over = try await post(chat, chatBody("same"), headers: limited)
        #expect(over.status == 429, "hits count against requests_per_minute")
        #expect(over.json?["error"]?["code"]?.stringValue == "rate_limit_exceeded")
        #expect(Int(over.headers["retry-after"] ?? "") ?? 0 >= 1)

        let thrifty = [("Authorization", "Bearer thrifty-key")]
        #expect(try await post(chat, chatBody("first paid question"), headers: thrifty).status == 200)
        #expect(try await post(chat, chatBody("first paid question"), headers: thrifty).cache == "hit", "hits cost nothing and stay allowed")
        let broke = try await post(chat, chatBody("second paid question"), headers: thrifty)
        #expect(broke.status == 429)
        #expect(broke.json?["error"]?["code"]?.stringValue == "budget_exceeded")
        #expect(broke.json?["error"]?["message"]?.stringValue?.contains("resets at") == true)
    }

    @Test func metricsCountRequestsByRouteStatusAndCache() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        func count(_ cache: String) async throws -> Double {
            let text = try await get(gateway.url + "/metrics").text
            return text.split(separator: "\n").filter {
                $0.hasPrefix("tollgate_requests_total{") && $0.contains("route=\"/v1/chat/completions\"") && $0.contains("cache=\"\(cache)\"") && $0.contains("status=\"200\"")
            }.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        }
        #expect(try await count("miss") == 0)
        _ = try await post(gateway.url + "/v1/chat/completions", chatBody("count me"))
        _ = try await post(gateway.url + "/v1/chat/completions", chatBody("count me"))
        _ = try await post(gateway.url + "/v1/chat/completions", chatBody("count me"))
        #expect(try await count("miss") == 1)
        #expect(try await count("hit") == 2)
        let text = try await get(gateway.url + "/metrics").text
        #expect(text.contains("# TYPE tollgate_requests_total counter"))
        #expect(text.contains("tollgate_upstream_latency_seconds_bucket"))
        #expect(text.contains("tollgate_cache_entries 1"))
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.split(separator: " ").count == 2 && Double(line.split(separator: " ")[1]) != nil, "not Prometheus text: \(line)")
        }
    }

    @Test func adminStatsAndPurgeNeedTheAdminKey() async throws {
        let mock = try await startMock()
        setenv("TG_IT_USER", "user-key", 1)
        setenv("TG_IT_ADMIN", "admin-key", 1)
        let keys = "keys:\n  - { key_env: TG_IT_USER, tenant: shop }\n  - { key_env: TG_IT_ADMIN, tenant: ops, admin: true }\n"
        let (gateway, _) = try await startGateway(config: keys + "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let user = [("Authorization", "Bearer user-key")]
        let admin = [("Authorization", "Bearer admin-key")]
        _ = try await post(chat, chatBody("stock level?"), headers: user)
        _ = try await post(chat, chatBody("stock level?"), headers: user)
        #expect(try await get(gateway.url + "/admin/stats").status == 401)
        #expect(try await get(gateway.url + "/admin/stats", headers: user).status == 403)
        let stats = try await get(gateway.url + "/admin/stats", headers: admin)
        #expect(stats.status == 200)
        let shop = stats.json?["tenants"]?["shop"]
        #expect(shop?["requests"]?.intValue == 2 && shop?["hits"]?.intValue == 1 && shop?["misses"]?.intValue == 1)
        #expect(shop?["hit_ratio"]?.doubleValue == 0.5)
        #expect(shop?["entries"]?.intValue == 1)
        #expect((shop?["saved_usd"]?.doubleValue ?? 0) > 0)
        #expect(try await post(gateway.url + "/admin/cache/purge", #"{"tenant":"shop"}"#, headers: user).status == 403)
        let purged = try await post(gateway.url + "/admin/cache/purge", #"{"tenant":"shop"}"#, headers: admin)
        #expect(purged.json?["purged"]?.intValue == 1)
        #expect(try await post(chat, chatBody("stock level?"), headers: user).cache == "miss", "a purged entry is gone")
        #expect(try await get(gateway.url + "/healthz").status == 200, "healthz needs no key")
        #expect(try await get(gateway.url + "/metrics").status == 200, "metrics need no key")
    }

    @Test func fastestPrefersTheLowLatencyMock() async throws {
        let slow = try await startMock(["--latency-ms", "1000"])  // a wide margin: a loaded machine can stall the quick one for hundreds of ms
        let quick = try await startMock(["--latency-ms", "1"])
        let (gateway, _) = try await startGateway(config: "routing: { strategy: fastest }\nproviders:\n" + providerYAML("slow", port: slow.port, input: 0.1, output: 0.1)
            + providerYAML("quick", port: quick.port, input: 5, output: 5))
        var answeredBy: [String] = []
        for i in 0..<8 {
            answeredBy.append(try await post(gateway.url + "/v1/chat/completions", chatBody("latency probe \(i)")).headers["x-tollgate-provider"] ?? "")
        }
        #expect(answeredBy.suffix(5).allSatisfy { $0 == "quick" }, "\(answeredBy)")
    }

    @Test func tenantsNeverShareEntries() async throws {
        let mock = try await startMock()
        setenv("TG_IT_KEY_A", "key-of-team-a", 1)
        setenv("TG_IT_KEY_B", "key-of-team-b", 1)
        let keys = "keys:\n  - { key_env: TG_IT_KEY_A, tenant: team-a }\n  - { key_env: TG_IT_KEY_B, tenant: team-b }\n"
        let (gateway, _) = try await startGateway(config: keys + "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        #expect(try await post(chat, chatBody("shared question")).status == 401)
        #expect(try await post(chat, chatBody("shared question"), headers: [("Authorization", "Bearer wrong")]).status == 401)
        let a = [("Authorization", "Bearer key-of-team-a")]
        let b = [("Authorization", "Bearer key-of-team-b")]
        #expect(try await post(chat, chatBody("shared question"), headers: a).cache == "miss")
        #expect(try await post(chat, chatBody("shared question"), headers: a).cache == "hit")
        #expect(try await post(chat, chatBody("shared question"), headers: b).cache == "miss", "team-b must not see team-a's entry")
        #expect(try await upstreamCalls(mock) == 2)
    }
}
