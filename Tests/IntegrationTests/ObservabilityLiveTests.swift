import Foundation
import Testing
import TollgateCore

/// Issue 17 against the real binary: the per-minute time series (surviving a restart), near-miss
/// similarity data, the semantic review queue and the console's files.
@Suite("Live time series, review queue and console")
struct ObservabilityLiveTests {
    static let keys = "keys:\n  - { key_env: TG_IT_OBS_USER, tenant: shop }\n  - { key_env: TG_IT_OBS_ADMIN, tenant: ops, admin: true }\n"
    let user = [("Authorization", "Bearer obs-user-key")]
    let admin = [("Authorization", "Bearer obs-admin-key")]

    init() {
        setenv("TG_IT_OBS_USER", "obs-user-key", 1)
        setenv("TG_IT_OBS_ADMIN", "obs-admin-key", 1)
    }

    /// Sums of the series' counters: requests, exact hits, semantic hits, misses, cost and saved.
    func totals(_ reply: Reply) -> (requests: Int, hits: Int, semantic: Int, misses: Int, cost: Double, saved: Double) {
        let rows = reply.json?["series"]?.arrayValue ?? []
        func sum(_ k: String) -> Int { rows.reduce(0) { $0 + ($1[k]?.intValue ?? 0) } }
        func dsum(_ k: String) -> Double { rows.reduce(0) { $0 + ($1[k]?.doubleValue ?? 0) } }
        return (sum("requests"), sum("exact_hits"), sum("semantic_hits"), sum("misses"), dsum("cost_usd"), dsum("saved_usd"))
    }

    @Test func timeSeriesSurvivesARestart() async throws {
        let mock = try await startMock()
        let config = Self.keys + "observability: { timeseries_minutes: 30 }\nproviders:\n" + providerYAML("budget", port: mock.port)
        let (first, dir) = try await startGateway(config: config)
        let chat = first.url + "/v1/chat/completions"
        #expect(try await post(chat, chatBody("Name three rivers"), headers: user).cache == "miss")
        #expect(try await post(chat, chatBody("Name three rivers"), headers: user).cache == "hit")
        #expect(try await post(chat, chatBody("Name three rivers", extra: #","temperature":0"#), headers: user).cache == "miss")
        #expect(try await post(chat, #"{"model":"gpt-4o-mini"}"#, headers: user).status == 400)

        #expect(try await get(first.url + "/admin/timeseries").status == 401)
        #expect(try await get(first.url + "/admin/timeseries", headers: user).status == 403)
        let before = try await get(first.url + "/admin/timeseries", headers: admin)
        #expect(before.status == 200)
        #expect(before.json?["window_minutes"]?.intValue == 30)
        let t = totals(before)
        #expect((t.requests, t.hits, t.semantic, t.misses) == (4, 1, 0, 2), "\(before.text)")
        #expect(t.cost > 0 && t.saved > 0)
        let stats = try #require(try await get(first.url + "/admin/stats", headers: admin).json?["total"])
        #expect(stats["requests"]?.intValue == t.requests && stats["hits"]?.intValue == t.hits && stats["misses"]?.intValue == t.misses)
        #expect(stats["errors"]?.intValue == 1)
        #expect(abs((stats["saved_usd"]?.doubleValue ?? 0) - t.saved) < 1e-9 && abs((stats["spent_usd"]?.doubleValue ?? 0) - t.cost) < 1e-9)
        let row = try #require(before.json?["series"]?.arrayValue?.last)
        #expect(row["errors"]?.intValue == 1)
        #expect(row["latency_histogram"]?.arrayValue?.reduce(0) { $0 + ($1.intValue ?? 0) } == row["requests"]?.intValue)
        #expect(row["latency_ms"]?["p50"]?.doubleValue != nil)
        for bad in ["0", "31", "abc", "-1"] {
            let r = try await get(first.url + "/admin/timeseries?minutes=\(bad)", headers: admin)
            #expect(r.status == 400 && r.json?["error"]?["param"]?.stringValue == "minutes", "minutes=\(bad): \(r.status)")
        }
        first.stop()

        let (second, _) = try await startGateway(config: config, dataDir: dir)
        let after = try await get(second.url + "/admin/timeseries", headers: admin)
        let s = totals(after)
        #expect((s.requests, s.hits, s.misses) == (t.requests, t.hits, t.misses), "the series survives the restart: \(after.text)")
        #expect(abs(s.cost - t.cost) < 1e-9 && abs(s.saved - t.saved) < 1e-9)
        #expect(try await post(second.url + "/v1/chat/completions", chatBody("Name three rivers"), headers: user).cache == "hit")
        #expect(totals(try await get(second.url + "/admin/timeseries", headers: admin)).hits == 2)
        #expect(try await upstreamCalls(mock) == 2)
    }

    /// Shop's lookups: the first has no candidate; the paraphrase is a hit; "10 miles" is a miss whose
    /// nearest candidate is the France question; "12 miles" a near miss the guard refuses. Ops: one hit.
    @Test func nearMissDataAndTheReviewQueue() async throws {
        let mock = try await startMock()
        // Tenant shop keeps prompts; ops (the admin's) does not.
        let config = semanticYAML + Self.keys + "observability: { keep_prompts: [shop] }\nproviders:\n" + providerYAML("budget", port: mock.port)
        let (gateway, _) = try await startGateway(config: config)
        let chat = gateway.url + "/v1/chat/completions"
        #expect(try await post(chat, chatBody("What is the capital of France?"), headers: user).cache == "miss")
        let hit = try await post(chat, chatBody("What's the capital city of France?"), headers: user)
        #expect(hit.cache == "semantic-hit")
        #expect(try await post(chat, chatBody("Convert 10 miles to kilometers"), headers: user).cache == "miss")
        #expect(try await post(chat, chatBody("Convert 12 miles to kilometers"), headers: user).cache == "miss", "a look-alike: a near miss")
        #expect(try await post(chat, chatBody("How tall is Mount Everest?"), headers: admin).cache == "miss")
        #expect(try await post(chat, chatBody("What is the height of Mount Everest?"), headers: admin).cache == "semantic-hit")

        // The nearest candidate's similarity of every lookup that had one: hits and misses apart.
        let metrics = try await get(gateway.url + "/metrics").text
        #expect(metrics.contains(#"tollgate_semantic_best_similarity_count{result="hit"} 2"#), "\(metrics.split(separator: "\n").filter { $0.contains("similarity") })")
        #expect(metrics.contains(#"tollgate_semantic_best_similarity_count{result="miss"} 2"#))
        #expect(metrics.contains(#"tollgate_semantic_best_similarity_bucket{result="hit",le="0.5"} 0"#))
        let series = try await get(gateway.url + "/admin/timeseries", headers: admin).json?["series"]?.arrayValue ?? []
        let simHits = series.reduce(0) { $0 + ($1["similarity_hits"]?.arrayValue ?? []).reduce(0) { $0 + ($1.intValue ?? 0) } }
        let simMisses = series.reduce(0) { $0 + ($1["similarity_misses"]?.arrayValue ?? []).reduce(0) { $0 + ($1.intValue ?? 0) } }
        #expect((simHits, simMisses) == (2, 2))

        let review = try await get(gateway.url + "/admin/review", headers: admin)
        #expect(try await get(gateway.url + "/admin/review", headers: user).status == 403)
        let items = try #require(review.json?["items"]?.arrayValue)
        #expect(items.count == 2)
        let ops = items[0], shop = items[1]  // newest first
        #expect(shop["tenant"]?.stringValue == "shop" && shop["query"]?.stringValue == "What's the capital city of France?")
        #expect(shop["cached"]?.stringValue == "What is the capital of France?")
        #expect(abs((shop["similarity"]?.doubleValue ?? 0) - (Double(hit.headers["x-tollgate-similarity"] ?? "") ?? -1)) < 1e-3)
        #expect(shop["verdict"]?.stringValue?.hasPrefix("verifier: p = ") == true, "the default's verifier decided: \(shop["verdict"] ?? .null)")
        #expect(ops["tenant"]?.stringValue == "ops" && ops["query"]?.isNull == true && ops["cached"]?.isNull == true, "ops keeps no prompt text")
        #expect(try await get(gateway.url + "/admin/review?tenant=shop", headers: admin).json?["items"]?.arrayValue?.count == 1)
        #expect(try await get(gateway.url + "/admin/review?limit=zero", headers: admin).status == 400)

        // Bad marks are 4xx; marking the hit wrong with purge removes the entry it was served from.
        let id = try #require(shop["id"]?.intValue)
        let url = gateway.url + "/admin/review/\(id)"
        #expect(try await post(gateway.url + "/admin/review/999999", #"{"mark":"wrong"}"#, headers: admin).status == 404)
        #expect(try await post(gateway.url + "/admin/review/x", #"{"mark":"wrong"}"#, headers: admin).status == 404)
        #expect(try await post(url, "{nope", headers: admin).status == 400)
        for bad in [#"{"mark":"maybe"}"#, #"{"mark":7}"#, "{}", "", #"{"purge":true}"#] {
            #expect(try await post(url, bad, headers: admin).status == 400, "a mark is required and must be wrong or right: \(bad)")
        }
        #expect(try await post(url, #"{"mark":"wrong","purge":"yes"}"#, headers: admin).status == 400)
        #expect(try await post(url, #"{"mark":"wrong"}"#, headers: user).status == 403)
        let marked = try await post(url, #"{"mark":"wrong","purge":true}"#, headers: admin)
        #expect(marked.status == 200 && marked.json?["purged"]?.intValue == 1, "\(marked.text)")
        #expect(marked.json?["item"]?["mark"]?.stringValue == "wrong" && marked.json?["item"]?["purged"]?.boolValue == true)
        let calls = try await upstreamCalls(mock)
        #expect(try await post(chat, chatBody("What is the capital of France?"), headers: user).cache == "miss", "the purged entry is gone")
        #expect(try await upstreamCalls(mock) == calls + 1)

        // The marks as a labelled workload for `tollgate bench`: the two prompts in two classes.
        let export = try await get(gateway.url + "/admin/review/export", headers: admin)
        #expect(export.headers["content-type"]?.hasPrefix("application/x-ndjson") == true)
        let workload = try Workload.parse(export.text, model: "gpt-4o-mini")
        #expect(workload.map(\.text) == ["What is the capital of France?", "What's the capital city of France?"])
        #expect(workload[0].classID != nil && workload[0].classID != workload[1].classID)
        #expect(!gateway.log.contains("capital city of France") && !gateway.log.contains("Mount Everest"), "no prompt text in the log")

        // `tollgate bench` replays it: the paraphrase served for the cached prompt counts as a wrong hit.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-review-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try export.text.write(toFile: dir + "/review.jsonl", atomically: true, encoding: .utf8)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let bench = Process()
        bench.executableURL = URL(fileURLWithPath: tollgateBinary)
        bench.arguments = ["bench", "--workload", dir + "/review.jsonl", "--out", dir + "/out"]
        bench.currentDirectoryURL = URL(fileURLWithPath: root)  // the in-process bench finds .models/ here
        bench.standardOutput = FileHandle.nullDevice
        bench.standardError = FileHandle.nullDevice
        try bench.run()
        bench.waitUntilExit()
        #expect(bench.terminationStatus == 0)
        let report = try JSONValue.parse(try #require(FileManager.default.contents(atPath: dir + "/out/report.json")))
        let summary = try #require(report["run"]?["summary"])
        #expect(summary["requests"]?.intValue == 2)
        #expect(summary["semantic_wrong"]?["count"]?.intValue == 1, "\(summary)")
    }

    @Test func statsShowEachProvidersBreaker() async throws {
        let healthy = try await startMock()
        let failing = try await startMock(["--fail-status", "503"])
        let config = Self.keys + "routing: { breaker_failures: 2, breaker_cooldown_seconds: 600 }\nproviders:\n"
            + providerYAML("down", port: failing.port, input: 0.01, output: 0.01) + providerYAML("up", port: healthy.port)
        let (gateway, _) = try await startGateway(config: config)
        for i in 0..<3 {
            #expect(try await post(gateway.url + "/v1/chat/completions", chatBody("Question \(i)"), headers: user).headers["x-tollgate-provider"] == "up")
        }
        let providers = try #require(try await get(gateway.url + "/admin/stats", headers: admin).json?["providers"])
        #expect(providers["down"]?["breaker"]?.stringValue == "open", "\(providers)")
        #expect(providers["down"]?["consecutive_failures"]?.intValue == 2)
        #expect(providers["up"]?["breaker"]?.stringValue == "closed" && providers["up"]?["misses"]?.intValue == 3)
        #expect(providers["up"]?["latency_ewma_ms"]?.doubleValue != nil)
        #expect(providers["down"]?["upstream_calls"]?.intValue == 2 && providers["down"]?["upstream_failures"]?.intValue == 2)
        #expect(providers["up"]?["upstream_calls"]?.intValue == 3 && providers["up"]?["upstream_failures"]?.intValue == 0)
        #expect(providers["up"]?["upstream_p50_ms"]?.doubleValue != nil && providers["down"]?["upstream_p50_ms"]?.isNull == true)
    }

    /// `tollgate serve` with no config (what `make run` starts; run from the package root like the
    /// rest of the suite): fixture hits show in the console's sources, prompts are kept for review,
    /// and marking a fixture's semantic hit wrong takes that fixture out until the next start.
    @Test func theOfflineDefaultKeepsPromptsAndPurgesAFixturesHit() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-default-\(UUID().uuidString)").path
        let gateway = try await TollgateProcess(["serve", "--data-dir", dir, "--port", "0"])
        let chat = gateway.url + "/v1/chat/completions"
        #expect(try await post(chat, chatBody("What is the capital of Australia?")).cache == "hit")
        let paraphrase = try await post(chat, chatBody("What's the capital city of Australia?"))
        #expect(paraphrase.cache == "semantic-hit", "\(paraphrase.status) \(paraphrase.text.prefix(300))")
        let item = try #require(try await get(gateway.url + "/admin/review").json?["items"]?.arrayValue?.first)
        #expect(item["source"]?.stringValue == "fixture" && item["tenant"]?.stringValue == "default")
        #expect(item["query"]?.stringValue == "What's the capital city of Australia?" && item["cached"]?.stringValue == "What is the capital of Australia?")
        let stats = try await get(gateway.url + "/admin/stats").json
        #expect(stats?["total"]?["hits"]?.intValue == 1 && stats?["total"]?["semantic_hits"]?.intValue == 1)
        let id = try #require(item["id"]?.intValue)
        #expect(try await post(gateway.url + "/admin/review/\(id)", #"{"mark":"wrong","purge":true}"#).json?["purged"]?.intValue == 1)
        let after = try await post(chat, chatBody("What's the capital city of Australia?"))
        #expect(after.status == 404 && after.json?["error"]?["code"]?.stringValue == "offline_no_fixture")
        #expect(try await get(gateway.url + "/console").status == 200)
    }

    @Test func consoleFilesAreServedWithoutTheNetwork() async throws {
        let (gateway, _) = try await startGateway(config: Self.keys + "providers:\n" + providerYAML("p", port: 1))
        let page = try await get(gateway.url + "/console")
        #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.text.contains("/console/console.js") && page.text.contains("admin-key"))
        #expect(page.headers["content-security-policy"]?.contains("default-src 'self'") == true)
        for (file, type) in [("console.js", "text/javascript"), ("plots.js", "text/javascript"), ("console.css", "text/css")] {
            let r = try await get(gateway.url + "/console/" + file)
            #expect(r.status == 200 && r.headers["content-type"]?.hasPrefix(type) == true, "\(file)")
            let text = r.text.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")  // the SVG namespace is a name, not a fetch
            #expect(!text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"), "\(file) fetches nothing from elsewhere")
        }
        #expect(try await get(gateway.url + "/console/../Package.swift").status == 404)
        #expect(try await get(gateway.url + "/console/secrets.txt").status == 404)
    }
}
