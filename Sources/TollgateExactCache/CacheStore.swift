import NIOCore
import TollgateBase

/// The tables a cache store keeps.
public enum CacheTable: String, Sendable, CaseIterable {
    /// Exact key → stored answer (`CacheEntry`).
    case entries
    /// Raw-body key → exact key (lets a repeated body skip JSON parsing).
    case aliases
    /// Exact key → the prompt's vector and namespace (the semantic layer's rows).
    case vectors
    /// Small named values of the node itself (the shared tier's fill cursor).
    case meta
    /// Exact keys whose answers are not in the shared tier yet (its durable write queue).
    case outbox
    /// Stored OpenAI Responses (tenant + id → the response and its conversation), for
    /// `previous_response_id` and `GET /v1/responses/{id}`.
    case responses
    /// Namespace → the semantic index's trained centroids (TollgateSemantic/Index/IndexPersistence.swift).
    case centroids
    /// Exact key → the inverted list its vector is in (same file).
    case assignments
    /// Minute → that minute's aggregates (`TimeSeries`, a bounded window).
    case timeseries
    /// Review id → a recent semantic hit and its mark (`ReviewQueue`, a bounded ring).
    case review
}

/// One change in a write batch.
public enum CacheWrite: Sendable {
    case put(CacheTable, CacheKey, [UInt8])
    case delete(CacheTable, CacheKey)
}

/// Where cache bytes live. LMDB is the embedded implementation; a shared tier on another engine
/// implements the same protocol, so the request path does not change.
public protocol CacheStore: Sendable {
    /// The value under `key`, copied out of the store.
    func get(_ table: CacheTable, _ key: CacheKey) throws -> ByteBuffer?
    /// Applies a batch atomically; returns once it is durable (committed).
    func write(_ batch: [CacheWrite]) async throws
    /// The same, for a plain thread (a trainer's, never a task's): blocks that thread until the
    /// batch is durable without needing a free thread of Swift's cooperative pool to finish.
    func writeBlocking(_ batch: [CacheWrite]) throws
    /// Visits every entry of a table in key order until `body` returns false.
    func scan(_ table: CacheTable, _ body: (CacheKey, ByteBuffer) throws -> Bool) throws
    /// The same walk over the store's own bytes, without a copy or an allocation per entry: the
    /// key and value are valid only inside the call (bulk loads of a million rows).
    func scanRaw(_ table: CacheTable, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws
    /// A hint that the caller is about to scan most of the store (a bulk load at start).
    func willScanAll()
    /// Number of rows in a table.
    func count(_ table: CacheTable) throws -> Int
    /// The most bytes the store can hold (LMDB's map size); nil when unbounded.
    var capacityBytes: Int? { get }
}

extension CacheStore {
    public var capacityBytes: Int? { nil }

    public func willScanAll() {}

    /// By `scan` (a copy per entry), for stores without a cheaper walk.
    public func scanRaw(_ table: CacheTable, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        try scan(table) { key, value in
            try key.bytes.withUnsafeBytes { k in try value.withUnsafeReadableBytes { v in try body(k, v) } }
        }
    }
}

extension CacheWrite {
    /// Bytes this change adds (key and value).
    var bytes: Int {
        switch self {
        case .put(_, let key, let value): return key.bytes.count + value.count
        case .delete: return 0
        }
    }
}
