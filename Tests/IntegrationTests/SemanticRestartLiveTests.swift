import Foundation
import Testing
import TollgateCore

/// The real binary restarting on a data dir that holds a trained semantic index (issue 16).
@Suite("Live restart of a large semantic cache")
struct SemanticRestartLiveTests {
    /// A real entry made through the gateway, 49,999 more vector rows beside it in its namespace,
    /// then a restart: the paraphrase is a semantic hit served from the persisted index.
    ///
    /// The 49,999 rows are written by the product's own types (`SemanticCache.persist`, which
    /// encodes the `vectors` row the gateway writes, and `SemanticCache.index`, whose index is
    /// bound to the store, so it trains at 2k rows and every doubling and persists its centroids and lists
    /// exactly as a running gateway does), with seeded random unit vectors instead of
    /// embeddings: embedding 50,000 prompts with MiniLM in a debug build takes minutes, and
    /// random 384-d vectors (cosine ≈ 0 to anything) never compete with the real entry, so the
    /// hit below can only be that entry found through the trained lists.
    ///
    /// 32–37 s alone in a debug build on 2 loaded cores (generation ~20 s, the two gateway starts
    /// most of the rest); 145 s when it ran beside five other suites, so the bound is a time limit
    /// against a hang rather than an expectation on the time.
    @Test(.timeLimit(.minutes(5))) func fiftyThousandEntriesRestartAndServeASemanticHit() async throws {
        let mock = try await startMock()
        let config = semanticYAML + "providers:\n" + providerYAML("budget", port: mock.port)
        let (first, dir) = try await startGateway(config: config)
        let original = try await post(first.url + "/v1/chat/completions", chatBody("What is the capital of France?"))
        #expect(original.cache == "miss")
        first.stop()

        // The generator: the stopped gateway's own store, opened as the gateway opens it.
        // On a thread of its own: the generation and the index's trainings block their caller for
        // tens of seconds, which on the cooperative pool (2 threads on 2 cores) stalls every other
        // suite of the run.
        let written = try await onOwnThread {
            let store = try LMDBStore(directory: dir + "/data/lmdb", mapSize: 1 << 30)
            let cache = SemanticCache(embedder: HashingEmbedder(dimension: 384), store: store)
            _ = try cache.load()  // the real row, so that the trainings below include it
            var realKey: CacheKey?
            try store.scan(.vectors) { key, _ in realKey = key; return true }
            guard let real = realKey.flatMap({ cache.storedPrompt($0) }) else { throw HarnessError(description: "the gateway stored no vector row") }
            var state: UInt64 = 0x5EED
            var batch: [CacheWrite] = []
            for i in 1..<50_000 {
                var v = [Float](repeating: 0, count: 384)
                var norm: Float = 0
                for j in 0..<384 {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17
                    v[j] = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
                    norm += v[j] * v[j]
                }
                norm = norm.squareRoot()
                for j in 0..<384 { v[j] /= norm }
                let prompt = SemanticPrompt(namespace: real.namespace, text: "synthetic prompt \(i)", vector: v)
                let key = CacheKey.raw(endpoint: "/v1/chat/completions", tenant: "synthetic", body: Array("\(i)".utf8))
                batch.append(cache.persist(prompt, key: key))
                cache.index(prompt, key: key)
                if batch.count == 5000 { try store.writeBlocking(batch); batch.removeAll(keepingCapacity: true) }
            }
            try store.writeBlocking(batch)
            cache.index.waitForTraining()
            return (vectors: try store.count(.vectors), centroids: try store.count(.centroids), assignments: try store.count(.assignments),
                    lists: cache.index.stats(namespace: real.namespace)?.lists ?? 0, namespace: real.namespace,
                    trained: try store.get(.centroids, real.namespace).map { Array($0.readableBytesView) })
        }
        #expect(written.vectors == 50_000)
        #expect(written.centroids == 1 && written.lists > 0, "the namespace trained and persisted its centroids")
        #expect(written.assignments < 200, "lists persist as blobs, not one row per vector: \(written.assignments)")

        let (second, _) = try await startGateway(config: config, dataDir: dir)
        // Ready when /healthz answers (polled, with a deadline).
        let deadline = ContinuousClock.now + .seconds(30)
        var healthy = false
        while !healthy && ContinuousClock.now < deadline {
            healthy = (try? await get(second.url + "/healthz"))?.status == 200
            if !healthy { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(healthy)
        #expect(second.log.contains("50000 cached prompts loaded"), "\(second.log.suffix(2000))")
        let paraphrase = try await post(second.url + "/v1/chat/completions", chatBody("What's the capital city of France?"))
        #expect(paraphrase.cache == "semantic-hit", "\(paraphrase.headers)")
        #expect(paraphrase.content == original.content)
        #expect(try await upstreamCalls(mock) == 1, "the hit made no upstream call")
        second.stop()
        // The gateway loaded the persisted index and did not train again: the same centroids.
        let after = try LMDBStore(directory: dir + "/data/lmdb", mapSize: 1 << 30)
        let centroidsAfter = try after.get(.centroids, written.namespace).map { Array($0.readableBytesView) }
        #expect(written.trained != nil && centroidsAfter == written.trained)
    }
}

/// Runs `body` on a new thread (not the cooperative pool) and returns its result.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        let thread = Thread { c.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
