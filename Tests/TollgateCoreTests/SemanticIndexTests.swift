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

/// A deterministic pseudo-random unit vector.
func randomUnit(_ seed: Int, dimension: Int = 384) -> [Float] {
    var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
    let v = (0..<dimension).map { _ -> Float in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Float(Int64(bitPattern: state) % 10_000) / 10_000
    }
    return VectorMath.normalised(v)
}

@Suite("Semantic index and namespaces")
struct SemanticIndexTests {
    @Test func blasTopOneEqualsABruteForceLoop() {
        var m = VectorMatrix(dimension: 384)
        let rows = (0..<2000).map { randomUnit($0) }
        for (i, r) in rows.enumerated() { m.upsert(key(i), r) }
        for q in 0..<20 {
            let query = randomUnit(10_000 + q)
            var best = -Float.infinity
            var bestIndex = -1
            for (i, r) in rows.enumerated() {
                let s = VectorMath.dot(query, r)
                if s > best { best = s; bestIndex = i }
            }
            let top = m.top(query, k: 1)
            #expect(top.first?.id == key(bestIndex))
            #expect(abs((top.first?.score ?? 0) - best) < 1e-4)
            #expect(m.top1(batch: [query]).first??.id == key(bestIndex), "sgemm batch agrees with sgemv")
        }
    }

    @Test func growthIsAmortised() {
        var m = VectorMatrix(dimension: 384)
        var capacities = Set<Int>()
        let row = randomUnit(1)
        for i in 0..<5000 {
            m.upsert(key(i), row)
            capacities.insert(m.storage.capacity)
        }
        #expect(capacities.count <= 14, "the matrix must double, not reallocate on every insert (\(capacities.count) sizes)")
        #expect(m.count == 5000 && m.vector(key(4999)) == row)
    }

    @Test func topKIsSortedAndRemovalKeepsRowsConsistent() {
        var m = VectorMatrix(dimension: 384)
        for i in 0..<50 { m.upsert(key(i), randomUnit(i)) }
        let q = randomUnit(7)
        let top = m.top(q, k: 5)
        #expect(top.first?.id == key(7))
        #expect(zip(top, top.dropFirst()).allSatisfy { $0.score >= $1.score })
        m.remove(key(7))
        m.remove(key(49))
        #expect(m.count == 48)
        #expect(m.top(q, k: 1).first?.id != key(7))
        #expect(m.vector(key(48)) == randomUnit(48), "the row moved into a hole keeps its vector")
        m.upsert(key(3), randomUnit(7))
        #expect(m.top(q, k: 1).first?.id == key(3), "upsert replaces a row")
    }

    func request(_ body: String) throws -> ChatRequest { try ChatRequest(body: Array(body.utf8)) }

    @Test func namespaceIgnoresOnlyTheLastUserText() throws {
        let cache = SemanticCache(embedder: HashingEmbedder(), store: try LMDBStore(directory: temporaryDirectory(), mapSize: 16 << 20))
        func ns(_ body: String, tenant: String = "t") throws -> CacheKey? {
            cache.namespace(endpoint: "/v1/chat/completions", tenant: tenant, request: try request(body))?.0
        }
        let base = try ns(#"{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"How tall is Everest?"}],"temperature":0}"#)
        #expect(base != nil)
        #expect(try ns(#"{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is the height of Everest?"}],"temperature":0}"#) == base)
        #expect(try ns(#"{"model":"m","stream":true,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"x"}],"temperature":0}"#) == base)
        // Anything else splits the namespace.
        #expect(try ns(#"{"model":"m","messages":[{"role":"system","content":"Be verbose."},{"role":"user","content":"x"}],"temperature":0}"#) != base)
        #expect(try ns(#"{"model":"m2","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"x"}],"temperature":0}"#) != base)
        #expect(try ns(#"{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"x"}],"temperature":1}"#) != base)
        #expect(try ns(#"{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"x"}],"temperature":0}"#, tenant: "u") != base)
        #expect(try ns(#"{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"x"}],"temperature":0,"tools":[{"type":"function","function":{"name":"f"}}]}"#) != base)
    }

    @Test func longConversationsAndImagesSkipTheLayer() throws {
        let cache = SemanticCache(embedder: HashingEmbedder(), store: try LMDBStore(directory: temporaryDirectory(), mapSize: 16 << 20), maxTurns: 1)
        let twoTurns = try request(#"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]}"#)
        #expect(cache.namespace(endpoint: "e", tenant: "t", request: twoTurns) == nil)
        let image = try request(#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"http://x"}}]}]}"#)
        #expect(cache.namespace(endpoint: "e", tenant: "t", request: image) == nil)
        let assistantLast = try request(#"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}"#)
        #expect(cache.namespace(endpoint: "e", tenant: "t", request: assistantLast) == nil)
    }

    @Test func vectorsPersistAcrossRestart() async throws {
        let dir = temporaryDirectory()
        let text = "How do I reverse a list in Python?"
        do {
            let cache = SemanticCache(embedder: HashingEmbedder(), store: try LMDBStore(directory: dir, mapSize: 16 << 20))
            let p = try #require(await cache.prompt(endpoint: "e", tenant: "t", request: try request(#"{"model":"m","messages":[{"role":"user","content":"\#(text)"}]}"#)))
            await cache.add(p, key: key(1))
        }
        let reopened = SemanticCache(embedder: HashingEmbedder(), store: try LMDBStore(directory: dir, mapSize: 16 << 20))
        #expect(try reopened.load() == 1)
        let q = try #require(await reopened.prompt(endpoint: "e", tenant: "t", request: try request(#"{"model":"m","messages":[{"role":"user","content":"how do I reverse a list in python"}]}"#)))
        let found = reopened.lookup(q, threshold: 0.8)
        #expect(found.match?.key == key(1))
        #expect(found.match?.cachedPrompt == text)
        try await reopened.remove([key(1)])
        #expect(reopened.lookup(q, threshold: 0.8).match == nil)
        #expect(reopened.index.count == 0)
    }

    @Test func cachedPromptsGuardFeaturesAreComputedOnceNotPerLookup() async throws {
        let cache = SemanticCache(embedder: HashingEmbedder(), store: try LMDBStore(directory: temporaryDirectory(), mapSize: 16 << 20))
        func prompt(_ text: String) async throws -> SemanticPrompt {
            try #require(await cache.prompt(endpoint: "e", tenant: "t", request: try request(#"{"model":"m","messages":[{"role":"user","content":"\#(text)"}]}"#)))
        }
        // Three look-alikes the guard refuses (other numbers), so every lookup checks all three.
        for (i, text) in ["Convert 10 miles to km", "Convert 11 miles to km", "Convert 13 miles to km"].enumerated() {
            await cache.add(try await prompt(text), key: key(i + 1))
        }
        let q = try await prompt("Convert 12 miles to km")
        let first = cache.lookup(q, threshold: -1)
        #expect(first.match == nil && first.guarded.count == 3, "\(first.guarded)")
        #expect(cache.guardFeaturesComputed == 3)
        for _ in 0..<5 { #expect(cache.lookup(q, threshold: -1).guarded.count == 3) }
        #expect(cache.guardFeaturesComputed == 3, "a cached prompt's features are computed once, not per lookup")
        try await cache.remove([key(1)])
        #expect(cache.lookup(q, threshold: -1).guarded.count == 2)
    }
}
