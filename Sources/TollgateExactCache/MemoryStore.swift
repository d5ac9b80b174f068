import NIOCore
import Synchronization
import TollgateBase

/// A `CacheStore` in memory: holds the fixtures of offline mode (files are their durable form).
public final class MemoryStore: CacheStore {
    private let tables = Mutex<[CacheTable: [CacheKey: ByteBuffer]]>([:])

    public init() {}

    public func get(_ table: CacheTable, _ key: CacheKey) throws -> ByteBuffer? {
        tables.withLock { $0[table]?[key] }
    }

    public func write(_ batch: [CacheWrite]) async throws { try writeBlocking(batch) }

    public func writeBlocking(_ batch: [CacheWrite]) throws {
        tables.withLock { t in
            for op in batch {
                switch op {
                case .put(let table, let key, let value): t[table, default: [:]][key] = ByteBuffer(bytes: value)
                case .delete(let table, let key): t[table]?[key] = nil
                }
            }
        }
    }

    public func scan(_ table: CacheTable, _ body: (CacheKey, ByteBuffer) throws -> Bool) throws {
        let rows = tables.withLock { ($0[table] ?? [:]).sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) } }
        for (k, v) in rows where try !body(k, v) { return }
    }

    public func count(_ table: CacheTable) throws -> Int {
        tables.withLock { $0[table]?.count ?? 0 }
    }
}
