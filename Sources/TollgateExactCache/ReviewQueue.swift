import Foundation
import NIOCore
import Synchronization
import TollgateBase

/// A recent semantic hit for a person to review: who asked, how similar the prompts were, what
/// the guard or verifier said, both prompts (only when `observability.keep_prompts` allows it for
/// the tenant) and the reviewer's mark.
public struct ReviewItem: Sendable, Equatable {
    /// A reviewer's judgement of a semantic hit.
    public enum Mark: String, Sendable {
        case wrong, right
    }

    public var id: Int64
    public var timeMs: Int64
    public var tenant: String
    public var model: String
    public var similarity: Double
    /// The check that let the hit through, e.g. "look-alike guard: passed" or "verifier: p = 0.91 ≥ 0.50".
    public var verdict: String
    /// The exact key of the answer that was served (what a purge removes).
    public var entryKey: CacheKey
    /// "cache" (LMDB) or "fixture" (offline fixtures).
    public var source: String
    /// The prompt asked, and the cached prompt it matched; nil when prompts are not kept.
    public var query: String?
    public var cached: String?
    public var mark: Mark?
    public var purged = false

    public init(id: Int64 = 0, timeMs: Int64, tenant: String, model: String, similarity: Double, verdict: String, entryKey: CacheKey,
                source: String, query: String?, cached: String?) {
        self.id = id
        self.timeMs = timeMs
        self.tenant = tenant
        self.model = model
        self.similarity = similarity
        self.verdict = verdict
        self.entryKey = entryKey
        self.source = source
        self.query = query
        self.cached = cached
    }

    /// Prompt text kept per item at most (characters): a review needs the gist, not a whole document.
    public static let maxPromptCharacters = 4000

    /// The item as `GET /admin/review` shows it.
    public var json: JSONValue {
        var o: [(String, JSONValue)] = [("id", .int(Int(id))), ("time_ms", .int(Int(timeMs))), ("tenant", .string(tenant)), ("model", .string(model)),
                                        ("similarity", .number(String(format: "%.4f", similarity))), ("verdict", .string(verdict)),
                                        ("entry_key", .string(entryKey.description)), ("source", .string(source))]
        o.append(("query", query.map(JSONValue.string) ?? .null))
        o.append(("cached", cached.map(JSONValue.string) ?? .null))
        o.append(("mark", mark.map { .string($0.rawValue) } ?? .null))
        o.append(("purged", .bool(purged)))
        return .object(o)
    }

    init?(json: JSONValue) {
        guard let id = json["id"]?.intValue, let time = json["time_ms"]?.intValue, let tenant = json["tenant"]?.stringValue,
              let model = json["model"]?.stringValue, let sim = json["similarity"]?.doubleValue, let verdict = json["verdict"]?.stringValue,
              let hex = json["entry_key"]?.stringValue, let key = CacheKey(hex: hex), let source = json["source"]?.stringValue else { return nil }
        self.init(id: Int64(id), timeMs: Int64(time), tenant: tenant, model: model, similarity: sim, verdict: verdict, entryKey: key, source: source,
                  query: json["query"]?.stringValue, cached: json["cached"]?.stringValue)
        mark = json["mark"]?.stringValue.flatMap(Mark.init(rawValue:))
        purged = json["purged"]?.boolValue ?? false
    }
}

extension CacheKey {
    /// A key from its 64 hex digits.
    public init?(hex: String) {
        let chars = Array(hex.utf8)
        guard chars.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for i in stride(from: 0, to: 64, by: 2) {
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(b)
        }
        self.init(bytes: bytes)
    }
}

/// The semantic review queue: the latest `capacity` semantic hits, newest last, in memory and
/// persisted in the store's `review` table (flushed with the time series; a mark is written at once).
public final class ReviewQueue: Sendable {
    public let capacity: Int
    private struct State {
        var items: [Int64: ReviewItem] = [:]
        var nextID: Int64 = 1
        var dirty = Set<Int64>()
        var doomed = Set<Int64>()
    }
    private let state = Mutex(State())

    /// Loads the persisted ring (the newest `capacity` items).
    public init(store: any CacheStore, capacity: Int) {
        self.capacity = max(1, capacity)
        var loaded = State()
        try? store.scan(.review) { key, value in
            if let json = try? JSONValue.parse(value.readableBytesView), let item = ReviewItem(json: json) {
                loaded.items[item.id] = item
                loaded.nextID = max(loaded.nextID, item.id + 1)
            } else {
                loaded.doomed.insert(ReviewQueue.id(of: key))
            }
            return true
        }
        ReviewQueue.trim(&loaded, capacity: self.capacity)
        state.withLock { $0 = loaded }
    }

    static func key(_ id: Int64) -> CacheKey {
        CacheKey(bytes: [UInt8](repeating: 0, count: 24) + withUnsafeBytes(of: id.bigEndian) { Array($0) })
    }

    static func id(of key: CacheKey) -> Int64 { key.bytes[24...].reduce(Int64(0)) { $0 << 8 | Int64($1) } }

    private static func trim(_ s: inout State, capacity: Int) {
        guard s.items.count > capacity else { return }
        for id in s.items.keys.sorted().prefix(s.items.count - capacity) {
            s.items[id] = nil
            s.dirty.remove(id)
            s.doomed.insert(id)
        }
    }

    /// Adds a hit (its prompts cut to `ReviewItem.maxPromptCharacters`); returns its id.
    @discardableResult
    public func add(_ item: ReviewItem) -> Int64 {
        var item = item
        item.query = item.query.map { String($0.prefix(ReviewItem.maxPromptCharacters)) }
        item.cached = item.cached.map { String($0.prefix(ReviewItem.maxPromptCharacters)) }
        return state.withLock { s in
            item.id = s.nextID
            s.nextID += 1
            s.items[item.id] = item
            s.dirty.insert(item.id)
            ReviewQueue.trim(&s, capacity: capacity)
            return item.id
        }
    }

    /// Items, newest first, optionally of one tenant.
    public func items(tenant: String? = nil, limit: Int? = nil) -> [ReviewItem] {
        let all = state.withLock { s in Array(s.items.values) }.filter { tenant == nil || $0.tenant == tenant }.sorted { $0.id > $1.id }
        return limit.map { Array(all.prefix($0)) } ?? all
    }

    public func item(_ id: Int64) -> ReviewItem? { state.withLock { $0.items[id] } }

    /// Sets a mark (and the purged flag); returns the item, or nil for an unknown id.
    public func mark(_ id: Int64, _ mark: ReviewItem.Mark, purged: Bool) -> ReviewItem? {
        state.withLock { s in
            guard var item = s.items[id] else { return nil }
            item.mark = mark
            item.purged = item.purged || purged
            s.items[id] = item
            s.dirty.insert(id)
            return item
        }
    }

    /// The writes that make the store match memory (taken; `restore(_:)` after a failed write).
    public func flushBatch() -> [CacheWrite] {
        state.withLock { s in
            let batch = s.dirty.compactMap { id in s.items[id].map { CacheWrite.put(.review, ReviewQueue.key(id), $0.json.jsonBytes) } }
                + s.doomed.map { CacheWrite.delete(.review, ReviewQueue.key($0)) }
            s.dirty.removeAll()
            s.doomed.removeAll()
            return batch
        }
    }

    /// Marks the items of a failed flush as changed again.
    public func restore(_ batch: [CacheWrite]) {
        state.withLock { s in
            for op in batch {
                switch op {
                case .put(.review, let key, _): if s.items[ReviewQueue.id(of: key)] != nil { s.dirty.insert(ReviewQueue.id(of: key)) }
                case .delete(.review, let key): s.doomed.insert(ReviewQueue.id(of: key))
                default: break
                }
            }
        }
    }

    /// The marked items with both prompts as a labelled bench workload (JSON Lines, `Workload`'s
    /// format): a wrong hit's two prompts in two classes (they must not share an answer), a right
    /// one's in one class. The cached prompt comes first (it is the one the cache learns).
    public func workload() -> String {
        var lines: [String] = []
        for item in items().reversed() {
            guard let mark = item.mark, let query = item.query, let cached = item.cached else { continue }
            let base = "review-\(item.id)"
            let classes = mark == .wrong ? (base + "-cached", base + "-query") : (base, base)
            for (prompt, cls) in [(cached, classes.0), (query, classes.1)] {
                let line: JSONValue = ["prompt": .string(prompt), "class": .string(cls), "model": .string(item.model), "mark": .string(mark.rawValue)]
                lines.append(line.jsonString)
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }
}
