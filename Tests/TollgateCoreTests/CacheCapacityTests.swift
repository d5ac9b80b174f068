import Foundation
import NIOCore
import Synchronization
import Testing

import TollgateCore
@testable import TollgateBase
@testable import TollgateExactCache

/// A store that fails its first writes with an LMDB error, then behaves like memory.
final class FailingStore: CacheStore, @unchecked Sendable {
    let inner = MemoryStore()
    let failures = Mutex<[Int32]>([])
    init(failWith codes: [Int32]) { failures.withLock { $0 = codes } }
    func get(_ table: CacheTable, _ key: CacheKey) throws -> ByteBuffer? { try inner.get(table, key) }
    func write(_ batch: [CacheWrite]) async throws { try writeBlocking(batch) }
    func writeBlocking(_ batch: [CacheWrite]) throws {
        if let code = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw LMDBError(code: code, operation: "txn_commit") }
        try inner.writeBlocking(batch)
    }
    func scan(_ table: CacheTable, _ body: (CacheKey, ByteBuffer) throws -> Bool) throws { try inner.scan(table, body) }
    func count(_ table: CacheTable) throws -> Int { try inner.count(table) }
}

/// An answer that can never fit the map is not stored and evicts nothing; a full disk
/// (ENOSPC) is handled like a full map.
@Suite("Cache capacity")
struct CacheCapacityTests {
    @Test func anAnswerLargerThanTheMapIsNotStoredAndEvictsNothing() async throws {
        let cache = ExactCache(store: try LMDBStore(directory: temporaryDirectory(), mapSize: 1 << 20))
        for i in 0..<20 { #expect(await cache.store(entry("small \(i)"), key: key(i), alias: nil)) }
        let huge = entry(String(repeating: "x", count: 2 << 20))  // 2 MiB into a 1 MiB map
        #expect(await cache.store(huge, key: key(100), alias: nil) == false)
        #expect(try cache.store.count(.entries) == 20, "nothing was evicted for an entry that could never fit")
        let big = entry(String(repeating: "y", count: 600 << 10))  // more than half the map
        #expect(await cache.store(big, key: key(101), alias: nil) == false)
        #expect(try cache.store.count(.entries) == 20)
        #expect(await cache.store(entry("small again"), key: key(102), alias: nil))
    }

    @Test func aFullDiskIsHandledLikeAFullMap() async throws {
        let store = FailingStore(failWith: [ENOSPC])
        let cache = ExactCache(store: store)
        for i in 0..<10 { try await store.inner.write([.put(.entries, key(i), entry("old \(i)", createdMs: Int64(i)).encoded())]) }
        #expect(await cache.store(entry("new"), key: key(50), alias: nil), "ENOSPC evicts the oldest and retries")
        #expect(cache.lookup(key(50), freshness: Freshness(ttlSeconds: .max), nowMs: 100) != nil)
        #expect(try store.count(.entries) == 10, "one old entry made room for the new one")
    }
}
