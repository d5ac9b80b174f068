import Foundation
import Synchronization
import Testing
import TollgateCore

/// Prompts whose answers reached the client.
final class Acknowledged: Sendable {
    let list = Mutex<[String]>([])
}

@Suite("Crash safety")
struct CrashSafetyLiveTests {
    /// Under a concurrent write load, `kill -9` the gateway; after a restart on the same data
    /// directory every answer acknowledged before the kill is a hit, and every entry decodes.
    @Test func acknowledgedAnswersSurviveKillNine() async throws {
        let mock = try await startMock()
        let config = "providers:\n" + providerYAML("budget", port: mock.port)
        let (gateway, dir) = try await startGateway(config: config)
        let acknowledged = Acknowledged()
        let url = gateway.url + "/v1/chat/completions"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<8 {
                group.addTask {
                    for i in 0..<10_000 {
                        let prompt = "crash test \(w)-\(i)"
                        guard let r = try? await post(url, chatBody(prompt)) else { return }  // the server died mid-request
                        if r.status == 200 { acknowledged.list.withLock { $0.append(prompt) } }
                    }
                }
            }
            // Kill once a good number of answers have been acknowledged (polling with a deadline).
            group.addTask {
                let deadline = ContinuousClock.now + .seconds(60)
                while acknowledged.list.withLock({ $0.count }) < 300, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
                gateway.kill()
            }
            try await group.waitForAll()
        }
        let acked = acknowledged.list.withLock { $0 }
        #expect(acked.count >= 300)
        let (restarted, _) = try await startGateway(config: config, dataDir: dir)
        let before = try await upstreamCalls(mock)
        var misses: [String] = []
        for prompt in acked {
            let r = try await post(restarted.url + "/v1/chat/completions", chatBody(prompt))
            if r.cache != "hit" || r.content?.hasSuffix(prompt) != true { misses.append("\(prompt): \(r.status) \(r.cache ?? "-")") }
        }
        #expect(misses.isEmpty, "\(misses.count) acknowledged answers lost, e.g. \(misses.prefix(3))")
        #expect(try await upstreamCalls(mock) == before)
        restarted.stop()
        // Every stored entry decodes (no torn writes).
        let store = try LMDBStore(directory: dir + "/data/lmdb")
        var bad = 0
        try store.scan(.entries) { _, value in
            if CacheEntry(decoding: value) == nil { bad += 1 }
            return true
        }
        #expect(bad == 0)
        #expect(try store.count(.entries) >= acked.count)
    }
}
