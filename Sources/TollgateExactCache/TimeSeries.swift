import Foundation
import NIOCore
import Synchronization
import TollgateBase

/// One minute of traffic: requests by outcome, dollars, a latency histogram and the
/// best-candidate similarity of semantic lookups (hits and misses apart).
public struct MinuteStats: Sendable, Equatable {
    /// Upper bounds (ms) of the latency buckets; one more bucket counts everything slower.
    public static let latencyBoundsMs: [Double] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000]
    /// Lower bounds of the similarity buckets: bucket 0 is below 0.5, bucket i (1…10) is
    /// [0.5 + 0.05 (i − 1), 0.5 + 0.05 i), the last one including 1.0.
    public static let similarityBounds: [Double] = (0...10).map { Double(50 + 5 * $0) / 100 }
    static let similarityBuckets = 11

    /// Minutes since the Unix epoch.
    public var minute: Int64
    public var requests = 0, exactHits = 0, semanticHits = 0, misses = 0, bypasses = 0, errors = 0
    public var costUSD = 0.0, savedUSD = 0.0
    public var latency = [UInt32](repeating: 0, count: MinuteStats.latencyBoundsMs.count + 1)
    public var similarityHits = [UInt32](repeating: 0, count: MinuteStats.similarityBuckets)
    public var similarityMisses = [UInt32](repeating: 0, count: MinuteStats.similarityBuckets)

    public init(minute: Int64) { self.minute = minute }

    /// The latency bucket of `ms`.
    static func latencyBucket(_ ms: Double) -> Int {
        latencyBoundsMs.firstIndex { ms <= $0 } ?? latencyBoundsMs.count
    }

    /// The similarity bucket of `s`.
    static func similarityBucket(_ s: Double) -> Int {
        guard let below = similarityBounds.lastIndex(where: { s >= $0 }) else { return 0 }
        return min(similarityBuckets - 1, below + 1)
    }

    /// The latency (upper bound of the bucket, ms) under which `q` of the requests fall; nil with none.
    public func latencyPercentile(_ q: Double) -> Double? {
        let total = latency.reduce(0) { $0 + Int($1) }
        guard total > 0 else { return nil }
        let rank = max(1, Int((q * Double(total)).rounded(.up)))
        var seen = 0
        for (i, n) in latency.enumerated() {
            seen += Int(n)
            if seen >= rank { return i < MinuteStats.latencyBoundsMs.count ? MinuteStats.latencyBoundsMs[i] : .infinity }
        }
        return .infinity
    }

    // MARK: Encoding (fixed size: the window's bytes are minutes × `encodedSize`)

    static let version: UInt8 = 1
    /// Bytes of one encoded minute.
    public static let encodedSize = 1 + 8 + 6 * 8 + 2 * 8 + (latencyBoundsMs.count + 1 + 2 * similarityBuckets) * 4

    func encoded() -> [UInt8] {
        var b = ByteBuffer()
        b.reserveCapacity(MinuteStats.encodedSize)
        b.writeInteger(MinuteStats.version)
        b.writeInteger(minute, endianness: .little)
        for n in [requests, exactHits, semanticHits, misses, bypasses, errors] { b.writeInteger(Int64(n), endianness: .little) }
        b.writeInteger(costUSD.bitPattern, endianness: .little)
        b.writeInteger(savedUSD.bitPattern, endianness: .little)
        for n in latency + similarityHits + similarityMisses { b.writeInteger(n, endianness: .little) }
        return Array(b.readableBytesView)
    }

    init?(decoding value: ByteBuffer) {
        var b = value
        guard b.readableBytes == MinuteStats.encodedSize, b.readInteger(as: UInt8.self) == MinuteStats.version,
              let minute = b.readInteger(endianness: .little, as: Int64.self) else { return nil }
        self.init(minute: minute)
        var counts: [Int] = []
        for _ in 0..<6 { counts.append(Int(b.readInteger(endianness: .little, as: Int64.self)!)) }
        (requests, exactHits, semanticHits, misses, bypasses, errors) = (counts[0], counts[1], counts[2], counts[3], counts[4], counts[5])
        costUSD = Double(bitPattern: b.readInteger(endianness: .little, as: UInt64.self)!)
        savedUSD = Double(bitPattern: b.readInteger(endianness: .little, as: UInt64.self)!)
        func read(_ n: Int) -> [UInt32] { (0..<n).map { _ in b.readInteger(endianness: .little, as: UInt32.self)! } }
        latency = read(MinuteStats.latencyBoundsMs.count + 1)
        similarityHits = read(MinuteStats.similarityBuckets)
        similarityMisses = read(MinuteStats.similarityBuckets)
    }
}

/// How a request ended, as the time series counts it.
public enum RequestOutcome: String, Sendable {
    case hit, semanticHit = "semantic-hit", miss, bypass, error

    /// From the response's `x-tollgate-cache` header (none: an error).
    public init(cacheHeader: String?) {
        self = cacheHeader.flatMap(RequestOutcome.init(rawValue:)) ?? .error
    }
}

/// Per-minute aggregates for a bounded window (`observability.timeseries_minutes`), kept in
/// memory and persisted in the store's `timeseries` table (one fixed-size row per minute, so the
/// table never holds more than window × (`MinuteStats.encodedSize` + 32) bytes of rows).
///
/// Recording only touches memory; `flushBatch()` hands the changed minutes (and the deletes of
/// minutes that left the window) to the caller, who commits them through the store's batched
/// `write` — every second and at shutdown.
public final class TimeSeries: Sendable {
    public let windowMinutes: Int
    private struct State {
        var minutes: [Int64: MinuteStats] = [:]
        var dirty = Set<Int64>()
        var doomed = Set<Int64>()
    }
    private let state = Mutex(State())

    /// Loads the persisted minutes still inside the window (older rows are deleted at the next flush).
    public init(store: any CacheStore, windowMinutes: Int, nowMs: Int64 = ExactCache.nowMs()) {
        self.windowMinutes = max(1, windowMinutes)
        let oldest = TimeSeries.minute(nowMs) - Int64(self.windowMinutes) + 1
        var loaded = State()
        try? store.scan(.timeseries) { key, value in
            if let m = MinuteStats(decoding: value), m.minute >= oldest {
                loaded.minutes[m.minute] = m
            } else {
                loaded.doomed.insert(TimeSeries.minute(of: key))
            }
            return true
        }
        state.withLock { $0 = loaded }
    }

    static func minute(_ ms: Int64) -> Int64 { ms >= 0 ? ms / 60_000 : (ms - 59_999) / 60_000 }

    /// The row key of a minute: 24 zero bytes then the minute big-endian (key order is time order).
    static func key(_ minute: Int64) -> CacheKey {
        CacheKey(bytes: [UInt8](repeating: 0, count: 24) + withUnsafeBytes(of: minute.bigEndian) { Array($0) })
    }

    static func minute(of key: CacheKey) -> Int64 {
        key.bytes[24...].reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    /// Applies `change` to the minute of `nowMs`, opening it (and closing minutes that left the window) if new.
    private func update(_ nowMs: Int64, _ change: (inout MinuteStats) -> Void) {
        let m = TimeSeries.minute(nowMs)
        state.withLock { s in
            if s.minutes[m] == nil {
                let oldest = m - Int64(windowMinutes) + 1
                for old in s.minutes.keys where old < oldest {
                    s.minutes[old] = nil
                    s.dirty.remove(old)
                    s.doomed.insert(old)
                }
                s.minutes[m] = MinuteStats(minute: m)
            }
            change(&s.minutes[m]!)
            s.dirty.insert(m)
        }
    }

    /// Counts one request: its outcome, latency and dollars.
    public func record(_ outcome: RequestOutcome, latencyMs: Double, costUSD: Double, savedUSD: Double, nowMs: Int64 = ExactCache.nowMs()) {
        update(nowMs) { m in
            m.requests += 1
            switch outcome {
            case .hit: m.exactHits += 1
            case .semanticHit: m.semanticHits += 1
            case .miss: m.misses += 1
            case .bypass: m.bypasses += 1
            case .error: m.errors += 1
            }
            m.latency[MinuteStats.latencyBucket(latencyMs)] += 1
            m.costUSD += costUSD
            m.savedUSD += savedUSD
        }
    }

    /// Adds spend known only after the response went out (a streamed miss's cost).
    public func addCost(_ usd: Double, nowMs: Int64 = ExactCache.nowMs()) {
        update(nowMs) { $0.costUSD += usd }
    }

    /// The best candidate's similarity of one semantic lookup, and whether it was served.
    public func recordSimilarity(_ similarity: Double, hit: Bool, nowMs: Int64 = ExactCache.nowMs()) {
        let bucket = MinuteStats.similarityBucket(similarity)
        update(nowMs) { m in
            if hit { m.similarityHits[bucket] += 1 } else { m.similarityMisses[bucket] += 1 }
        }
    }

    /// The minutes in the window, oldest first; with `last`, only the latest `last` minutes up to `nowMs`.
    public func minutes(last: Int? = nil, nowMs: Int64 = ExactCache.nowMs()) -> [MinuteStats] {
        let oldest = TimeSeries.minute(nowMs) - Int64(min(last ?? windowMinutes, windowMinutes)) + 1
        return state.withLock { s in s.minutes.values.filter { $0.minute >= oldest } }.sorted { $0.minute < $1.minute }
    }

    /// The writes that make the store match memory (changed minutes, minutes gone from the window);
    /// they are taken: a caller whose write fails calls `restore(_:)`.
    public func flushBatch() -> [CacheWrite] {
        state.withLock { s in
            let batch = s.dirty.compactMap { m in s.minutes[m].map { CacheWrite.put(.timeseries, TimeSeries.key(m), $0.encoded()) } }
                + s.doomed.map { CacheWrite.delete(.timeseries, TimeSeries.key($0)) }
            s.dirty.removeAll()
            s.doomed.removeAll()
            return batch
        }
    }

    /// Marks the minutes of a failed flush as changed again.
    public func restore(_ batch: [CacheWrite]) {
        state.withLock { s in
            for op in batch {
                switch op {
                case .put(.timeseries, let key, _): if s.minutes[TimeSeries.minute(of: key)] != nil { s.dirty.insert(TimeSeries.minute(of: key)) }
                case .delete(.timeseries, let key): s.doomed.insert(TimeSeries.minute(of: key))
                default: break
                }
            }
        }
    }

    /// Most bytes of rows the window can take in the store (keys and values).
    public var maxBytes: Int { windowMinutes * (MinuteStats.encodedSize + 32) }
}
