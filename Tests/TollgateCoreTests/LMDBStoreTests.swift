import Foundation
import NIOCore
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

/// A fresh directory per test: LMDB allows one environment per process per file.
func temporaryDirectory(_ name: String = #function) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func key(_ i: Int) -> CacheKey {
    CacheKey.raw(endpoint: "test", tenant: "t", body: Array("\(i)".utf8))
}

func entry(_ text: String, createdMs: Int64 = ExactCache.nowMs(), cost: Double = 0.001) -> CacheEntry {
    CacheEntry(createdMs: createdMs, costUSD: cost, promptTokens: 10, completionTokens: 20, provider: "p", model: "m", body: ByteBuffer(string: text))
}

@Suite("LMDB store and exact cache")
struct LMDBStoreTests {
    @Test func putThenGet() async throws {
        let store = try LMDBStore(directory: temporaryDirectory(), mapSize: 16 << 20)
        try await store.write([.put(.entries, key(1), Array("one".utf8)), .put(.aliases, key(1), Array("alias".utf8))])
        #expect(try store.get(.entries, key(1)).map { String(buffer: $0) } == "one")
        #expect(try store.get(.aliases, key(1)).map { String(buffer: $0) } == "alias")
        #expect(try store.get(.entries, key(2)) == nil)
        try await store.write([.delete(.entries, key(1)), .delete(.entries, key(99))])
        #expect(try store.get(.entries, key(1)) == nil)
        #expect(try store.count(.aliases) == 1)
    }

    @Test func entriesRoundTripWithMetadata() async throws {
        let cache = ExactCache(store: try LMDBStore(directory: temporaryDirectory(), mapSize: 16 << 20))
        let e = CacheEntry(createdMs: 1_700_000_000_123, costUSD: 0.0000123, promptTokens: 7, completionTokens: 9, provider: "budget", model: "gpt-4o-mini",
                           body: ByteBuffer(string: #"{"id":"x"}"#))
        let target = AliasTarget(key: key(1), stream: true, includeUsage: false)
        #expect(await cache.store(e, key: key(1), alias: (key(2), target)))
        let got = try #require(cache.lookup(key(1), freshness: Freshness(ttlSeconds: 10), nowMs: 1_700_000_001_000))
        #expect(got.provider == "budget" && got.model == "gpt-4o-mini" && got.promptTokens == 7 && got.completionTokens == 9)
        #expect(got.costUSD == 0.0000123 && got.createdMs == 1_700_000_000_123)
        #expect(String(buffer: got.body) == #"{"id":"x"}"#)
        #expect(cache.resolveAlias(key(2)) == target)
    }

    @Test func ttlAndMaxAgeExpireEntries() async throws {
        let cache = ExactCache(store: try LMDBStore(directory: temporaryDirectory(), mapSize: 16 << 20))
        let t0: Int64 = 1_000_000
        await cache.store(entry("old", createdMs: t0), key: key(1), alias: nil)
        #expect(cache.lookup(key(1), freshness: Freshness(ttlSeconds: 60), nowMs: t0 + 59_000) != nil)
        #expect(cache.lookup(key(1), freshness: Freshness(ttlSeconds: 60), nowMs: t0 + 60_000) == nil)
        #expect(cache.lookup(key(1), freshness: Freshness(ttlSeconds: 60, maxAgeSeconds: 10), nowMs: t0 + 11_000) == nil)
        #expect(cache.lookup(key(1), freshness: Freshness(ttlSeconds: 60, maxAgeSeconds: 10), nowMs: t0 + 9_000) != nil)
        await cache.store(entry("new", createdMs: t0 + 50_000), key: key(2), alias: (key(3), AliasTarget(key: key(2), stream: false, includeUsage: false)))
        await cache.store(entry("old2", createdMs: t0), key: key(4), alias: (key(5), AliasTarget(key: key(4), stream: false, includeUsage: false)))
        #expect(try await cache.purgeExpired(ttlSeconds: 60, nowMs: t0 + 70_000).count == 2)
        #expect(try cache.store.count(.entries) == 1)
        #expect(cache.resolveAlias(key(5)) == nil, "the alias of a purged entry goes with it")
        #expect(cache.resolveAlias(key(3)) != nil)
    }

    @Test func reopenKeepsEntries() async throws {
        let dir = temporaryDirectory()
        do {
            let store = try LMDBStore(directory: dir, mapSize: 16 << 20)
            try await store.write((0..<100).map { .put(.entries, key($0), Array("v\($0)".utf8)) })
        }
        let reopened = try LMDBStore(directory: dir, mapSize: 16 << 20)
        #expect(try reopened.count(.entries) == 100)
        #expect(try reopened.get(.entries, key(42)).map { String(buffer: $0) } == "v42")
    }

    @Test func concurrentReadersAndWriters() async throws {
        let store = try LMDBStore(directory: temporaryDirectory(), mapSize: 64 << 20)
        try await store.write((0..<200).map { .put(.entries, key($0), Array("v\($0)".utf8)) })
        try await withThrowingTaskGroup(of: Int.self) { group in
            for w in 0..<8 {
                group.addTask {
                    for i in 0..<50 { try await store.write([.put(.entries, key(1000 + w * 50 + i), Array("w\(w)-\(i)".utf8))]) }
                    return 0
                }
            }
            for _ in 0..<8 {
                group.addTask {
                    var seen = 0
                    for round in 0..<20 {
                        for i in stride(from: round % 7, to: 200, by: 7) {
                            let v = try store.get(.entries, key(i))
                            #expect(v.map { String(buffer: $0) } == "v\(i)")
                            seen += 1
                        }
                    }
                    return seen
                }
            }
            for try await _ in group {}
        }
        #expect(try store.count(.entries) == 600)
        #expect(try store.get(.entries, key(1000 + 7 * 50 + 49)).map { String(buffer: $0) } == "w7-49")
    }

    @Test func aFullCacheEvictsItsOldestEntries() async throws {
        let store = try LMDBStore(directory: temporaryDirectory(), mapSize: 1 << 20)
        let cache = ExactCache(store: store)
        let body = String(repeating: "x", count: 20_000)
        for i in 0..<200 {
            let stored = await cache.store(entry(body + "\(i)", createdMs: 1_000_000 + Int64(i)), key: key(i),
                                           alias: (key(10_000 + i), AliasTarget(key: key(i), stream: false, includeUsage: false)))
            #expect(stored, "write \(i) must make room instead of failing")
        }
        let fresh = Freshness(ttlSeconds: Int(Int32.max))
        #expect(cache.lookup(key(199), freshness: fresh, nowMs: 2_000_000) != nil, "the newest entry is kept")
        #expect(cache.lookup(key(0), freshness: fresh, nowMs: 2_000_000) == nil, "the oldest went first")
        #expect(try store.count(.entries) < 200)
        #expect(try store.count(.aliases) == store.count(.entries), "aliases go with their entries")
    }
}
