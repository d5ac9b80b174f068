import Foundation
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

/// Batched forward passes give each sequence the embedding it gets alone, and the batching
/// embedder shares passes between concurrent callers.
@Suite("Batched embeddings")
struct BatchedEmbeddingTests {
    /// Texts of very different lengths (1 word to past the 256-token window), generated.
    static func texts(_ count: Int, seed: UInt64 = 3) -> [String] {
        var rng = SplitMixRandom(state: seed)
        let words = ["cache", "gateway", "what", "is", "the", "capital", "of", "France", "reverse", "a", "list", "in", "Python",
                     "7", "divided", "by", "2", "émigré", "naïve", "東京", "weather", "tomorrow", "how", "do", "I", "sort"]
        return (0..<count).map { i in
            let n = i % 7 == 0 ? 300 : 1 + Int(rng.next() % 40)
            return (0..<n).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ")
        }
    }

    @Test func aBatchEqualsEachSequenceAlone() throws {
        let model = try EmbedderTestSupport.embedder()
        let texts = Self.texts(40)
        let ids = texts.map { model.tokenize($0) }
        #expect(ids.reduce(0) { $0 + $1.count } > MiniLMEmbedder.batchTokenCapacity, "the batch spans several passes")
        let batched = model.embed(batch: ids)
        #expect(batched.count == texts.count)
        for (i, seq) in ids.enumerated() {
            let alone = try model.embed(tokenIDs: seq)
            let worst = zip(alone, batched[i]).map { abs($0 - $1) }.max() ?? 1
            #expect(worst < 1e-4, "sequence \(i) (\(seq.count) tokens): max difference \(worst)")
        }
    }

    @Test func concurrentCallersShareForwardPasses() async throws {
        let model = try EmbedderTestSupport.embedder()
        // One worker and a generous window, so that the test does not depend on the machine's speed.
        // (Not inline: with the test runner's other suites on the pool, callers may not overlap at all.)
        let batching = BatchingEmbedder(model: model, workers: 1, maxBatch: 64, maxWait: .milliseconds(200), inlineWhenIdle: false)
        defer { batching.shutdown() }
        let texts = Self.texts(24, seed: 11)
        let results = await withTaskGroup(of: (Int, [Float]).self) { group in
            for (i, t) in texts.enumerated() { group.addTask { (i, await batching.embed(t)) } }
            var out = [[Float]](repeating: [], count: texts.count)
            for await (i, v) in group { out[i] = v }
            return out
        }
        for (i, t) in texts.enumerated() {
            let alone = model.embed(t)
            #expect((zip(alone, results[i]).map { abs($0 - $1) }.max() ?? 1) < 1e-4, "caller \(i) got its own embedding")
        }
        let counts = batching.counts
        #expect(counts.sequences == texts.count)
        #expect(counts.passes < texts.count / 2, "24 concurrent callers ran in \(counts.passes) passes")
    }

    @Test func aBatchCallGoesToTheWorkersAndALoneCallRunsInline() async throws {
        let model = try EmbedderTestSupport.embedder()
        let batching = BatchingEmbedder(model: model, workers: 1, maxBatch: 64, maxWait: .milliseconds(200))
        defer { batching.shutdown() }
        let texts = Self.texts(20, seed: 5)
        let vectors = await batching.embed(batch: texts.map { model.tokenize($0) })
        #expect(vectors.count == 20 && vectors.allSatisfy { $0.count == model.dimension })
        #expect(batching.counts.passes < 10, "one request's 20 inputs share passes: \(batching.counts.passes)")
        let before = batching.counts.passes
        let lone = await batching.embed("How do I reverse a list in Python?")
        #expect((zip(lone, model.embed("How do I reverse a list in Python?")).map { abs($0 - $1) }.max() ?? 1) < 1e-4)
        #expect(batching.counts.passes == before + 1)
    }
}
