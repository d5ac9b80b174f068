import Foundation
import Logging
import NIOCore
import TollgateBase
import Tracing

/// What a lookup may accept, from the request's `Cache-Control` and the configured TTL.
public struct Freshness: Sendable {
    public var ttlSeconds: Int
    /// `Cache-Control: max-age=N`: only entries at most N seconds old.
    public var maxAgeSeconds: Int?

    public init(ttlSeconds: Int, maxAgeSeconds: Int? = nil) {
        self.ttlSeconds = ttlSeconds
        self.maxAgeSeconds = maxAgeSeconds
    }

    package func accepts(ageMs: Int64) -> Bool {
        if ageMs < 0 { return true }
        if ageMs >= Freshness.milliseconds(ttlSeconds) { return false }
        if let maxAge = maxAgeSeconds, ageMs > Freshness.milliseconds(maxAge) { return false }
        return true
    }

    /// Seconds as milliseconds, saturating (a bound of `Int.max` seconds means "no bound").
    static func milliseconds(_ seconds: Int) -> Int64 {
        let (ms, overflow) = Int64(seconds).multipliedReportingOverflow(by: 1000)
        return overflow ? (seconds < 0 ? Int64.min : Int64.max) : ms
    }
}

/// The exact-match layer: canonical key → complete answer, with raw-body aliases for the fast path.
public struct ExactCache: Sendable {
    public let store: any CacheStore
    let logger: Logger

    public init(store: any CacheStore, logger: Logger = Logger(label: "tollgate.cache")) {
        self.store = store
        self.logger = logger
    }

    public static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The entry under an exact key if it is fresh enough. Read errors count as misses.
    public func lookup(_ key: CacheKey, freshness: Freshness, nowMs: Int64 = ExactCache.nowMs()) -> CacheEntry? {
        withSpan(StageSpan.exactLookup) { span in
            let entry = read(key, freshness: freshness, nowMs: nowMs)
            span.attributes[StageSpan.Key.hit] = entry != nil
            return entry
        }
    }

    private func read(_ key: CacheKey, freshness: Freshness, nowMs: Int64) -> CacheEntry? {
        do {
            guard let bytes = try store.get(.entries, key), let entry = CacheEntry(decoding: bytes) else { return nil }
            return freshness.accepts(ageMs: nowMs - entry.createdMs) ? entry : nil
        } catch {
            logger.warning("cache read failed; serving as a miss", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Follows a raw-body alias to its exact key and the body's response mode.
    public func resolveAlias(_ raw: CacheKey) -> AliasTarget? {
        guard let value = try? store.get(.aliases, raw) else { return nil }
        return AliasTarget(decoding: value)
    }

    /// Stores an answer under its exact key and the raw-body alias, with `also` (its vector row,
    /// its shared-tier outbox mark) in the same commit. Returns false if the write failed (it is
    /// logged; the client still gets its answer).
    @discardableResult
    public func store(_ entry: CacheEntry, key: CacheKey, alias: (CacheKey, AliasTarget)?, also: [CacheWrite] = []) async -> Bool {
        var batch: [CacheWrite] = [.put(.entries, key, entry.encoded())]
        if let (raw, target) = alias { batch.append(.put(.aliases, raw, target.encoded())) }
        return await store(batch + also, key: key)
    }

    /// Commits a batch of entries (and their vector rows) at once; `key` names it in the log.
    @discardableResult
    public func store(_ batch: [CacheWrite], key: CacheKey) async -> Bool {
        // An answer that could never fit is not stored, and costs no other entry its place:
        // past half the map, a commit cannot count on room for it (LMDB copies on write).
        let size = batch.reduce(0) { $0 + $1.bytes }
        if let capacity = store.capacityBytes, size > capacity / 2 {
            logger.warning("answer too large for the cache; served but not stored", metadata: [
                "key": "\(key)", "bytes": "\(size)", "max_bytes": "\(capacity)", "hint": "cache.max_bytes"])
            return false
        }
        // A full cache (map full, or the disk under it: ENOSPC) makes room by evicting its
        // oldest entries; it never fails the request.
        var failure: (any Error)?
        for attempt in 0..<4 {
            do {
                try await store.write(batch)
                return true
            } catch let e as LMDBError where (e.isMapFull || e.isDiskFull) && attempt < 3 {
                failure = e
                let gone = (try? await evictOldest(fraction: 0.1 * Double(attempt + 1))) ?? 0
                let cause = e.isDiskFull ? "the disk under \((store as? LMDBStore)?.path ?? "the cache") is full (ENOSPC)" : "the map is full (cache.max_bytes)"
                logger.notice("cache full: \(cause); evicted the \(gone) oldest entries", metadata: ["error": "\(e)"])
            } catch {
                failure = error
                break
            }
        }
        logger.warning("cache write failed; answer served but not stored", metadata: ["key": "\(key)", "error": "\(failure.map { "\($0)" } ?? "unknown")"])
        return false
    }

    /// Removes the oldest `fraction` of the entries (at least one), with their aliases and
    /// vectors; returns how many went.
    @discardableResult
    public func evictOldest(fraction: Double) async throws -> Int {
        var ages: [(CacheKey, Int64)] = []
        try store.scan(.entries) { key, value in
            if let e = CacheEntry(decoding: value) { ages.append((key, e.createdMs)) }
            return true
        }
        guard !ages.isEmpty else { return 0 }
        let n = max(1, Int(Double(ages.count) * min(1, fraction)))
        let doomed = Set(ages.sorted { $0.1 < $1.1 }.prefix(n).map(\.0))
        try await remove(doomed)
        return doomed.count
    }

    /// Records that a raw body resolves to `target`.
    public func addAlias(_ raw: CacheKey, _ target: AliasTarget) async {
        try? await store.write([.put(.aliases, raw, target.encoded())])
    }

    /// Removes the entries `matching` selects, with their aliases and persisted vectors;
    /// returns their keys (the caller drops them from the in-memory semantic index).
    public func purge(matching: (CacheEntry) -> Bool) async throws -> [CacheKey] {
        var doomed = Set<CacheKey>()
        try store.scan(.entries) { key, value in
            if let e = CacheEntry(decoding: value), matching(e) { doomed.insert(key) }
            return true
        }
        try await remove(doomed)
        return Array(doomed)
    }

    /// Removes entries older than the TTL; returns the keys that went.
    @discardableResult
    public func purgeExpired(ttlSeconds: Int, nowMs: Int64 = ExactCache.nowMs()) async throws -> [CacheKey] {
        try await purge { nowMs - $0.createdMs >= Int64(ttlSeconds) * 1000 }
    }

    /// Deletes entries, their vectors and every alias pointing at them, in one batch.
    package func remove(_ doomed: Set<CacheKey>) async throws {
        guard !doomed.isEmpty else { return }
        var batch: [CacheWrite] = doomed.flatMap { [CacheWrite.delete(.entries, $0), .delete(.vectors, $0)] }
        try store.scan(.aliases) { alias, target in
            if let t = AliasTarget(decoding: target), doomed.contains(t.key) { batch.append(.delete(.aliases, alias)) }
            return true
        }
        try await store.write(batch)
    }
}

/// Where a raw body's alias points: the exact key, and how that body wants its answer.
public struct AliasTarget: Sendable, Equatable {
    public var key: CacheKey
    public var stream: Bool
    public var includeUsage: Bool

    public init(key: CacheKey, stream: Bool, includeUsage: Bool) {
        self.key = key
        self.stream = stream
        self.includeUsage = includeUsage
    }

    func encoded() -> [UInt8] { key.bytes + [(stream ? 1 : 0) | (includeUsage ? 2 : 0)] }

    init?(decoding value: ByteBuffer) {
        guard value.readableBytes == 33 else { return nil }
        let bytes = Array(value.readableBytesView)
        key = CacheKey(bytes: Array(bytes[0..<32]))
        stream = bytes[32] & 1 != 0
        includeUsage = bytes[32] & 2 != 0
    }
}
