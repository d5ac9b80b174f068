import Foundation
import Testing
import TollgateCore

/// `/admin/stats` tells the truth at a glance: offline misses count against the hit ratio (not
/// for it), and requests are broken down by provider and by model.
@Suite("Admin stats, live")
struct AdminStatsLiveTests {
    @Test func offlineMissesAreMissesAndTheBreakdownNamesProvidersAndModels() async throws {
        let providers = "providers:\n" + providerYAML("p", port: 1) + providerYAML("e", port: 1, model: "text-embedding-3-small")
        let (gateway, _) = try await startGateway(config: providers, extra: ["--offline", "--fixtures", bundledFixtures])
        let chat = gateway.url + "/v1/chat/completions"
        #expect(try await post(chat, chatBody("What is the capital of Australia?")).cache == "hit")
        let miss = try await post(chat, chatBody("Which fixture answers the unanswerable?"))
        #expect(miss.status == 404 && miss.cache == "miss", "\(miss.status) \(miss.headers)")
        #expect(try await post(chat, "{not json").status == 400)
        // Embeddings from a provider's model, offline: the same non-retried 404, another miss.
        let embedding = try await post(gateway.url + "/v1/embeddings", #"{"model":"text-embedding-3-small","input":"offline?"}"#)
        #expect(embedding.status == 404 && embedding.headers["x-should-retry"] == "false", "\(embedding.status) \(embedding.text)")
        #expect(embedding.json?["error"]?["code"]?.stringValue == "offline_no_fixture")
        let stats = try #require(try await get(gateway.url + "/admin/stats").json)
        let total = stats["total"]
        #expect(total?["requests"]?.intValue == 4 && total?["hits"]?.intValue == 1 && total?["misses"]?.intValue == 2 && total?["errors"]?.intValue == 1, "\(stats.jsonString)")
        #expect(total?["hit_ratio"]?.doubleValue == 0.3333, "offline misses are not hits: \(stats.jsonString)")
        #expect(stats["tenants"]?["default"]?["errors"]?.intValue == total?["errors"]?.intValue)
        #expect(stats["providers"]?["openai-demo"]?["hits"]?.intValue == 1, "\(stats.jsonString)")
        let model = stats["models"]?["gpt-4o-mini"]
        #expect(model?["requests"]?.intValue == 2 && model?["hits"]?.intValue == 1 && model?["misses"]?.intValue == 1, "\(stats.jsonString)")
    }
}
