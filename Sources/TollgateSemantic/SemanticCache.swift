import Foundation
import Logging
import Synchronization
import NIOCore
import TollgateBase
import Tracing
import TollgateExactCache
import TollgateHTTPClient

/// A semantic match that passed the threshold and the look-alike guard.
public struct SemanticMatch: Sendable {
    /// The exact key of the cached answer.
    public let key: CacheKey
    public let similarity: Float
    /// The cached prompt it matched.
    public let cachedPrompt: String
    /// The check that let it through ("look-alike guard: passed", "verifier: p = 0.912 ≥ 0.500").
    public var verdict: String = "look-alike guard: passed"
}

/// What a semantic lookup found, including the near misses the guard blocked.
public struct SemanticLookup: Sendable {
    public var match: SemanticMatch?
    /// Candidates above the threshold that the guard refused, with its reason and the check
    /// that failed (`MismatchKind`'s raw value, or `verifier`).
    public var guarded: [(similarity: Float, reason: String, check: String)] = []
    /// The highest similarity of any candidate searched, below the threshold or not (nil when
    /// the namespace is empty): how near the nearest cached prompt was.
    public var nearest: Float?
}

/// The prompt of a request as the semantic layer sees it: its namespace, the text of the last
/// user message and that text's embedding.
public struct SemanticPrompt: Sendable {
    public let namespace: CacheKey
    public let text: String
    public let vector: [Float]

    package init(namespace: CacheKey, text: String, vector: [Float]) {
        self.namespace = namespace
        self.text = text
        self.vector = vector
    }
}

/// The semantic layer: after an exact miss, find an earlier request of the same namespace whose
/// last user message means the same, and serve its answer if the look-alike guard agrees.
///
/// Namespace = everything in the request except the text of the last user message (tenant,
/// model, system prompt, earlier turns, sampling parameters, tools, response_format), so a
/// semantic match never crosses any of those. Vectors persist in the store's `vectors` table
/// beside the exact entries and are loaded into the BLAS index at start.
public final class SemanticCache: Sendable {
    public let embedder: any Embedder
    public let index: VectorIndex
    public let guardrail: LookalikeGuard
    /// The pair verifier, when configured: then it decides after its own guard (the same checks as `guardrail`).
    public let verification: SemanticVerification?
    /// What the embedder cannot read (another language or script, mostly code) skips the layer; nil: every prompt is read.
    public let readability: PromptReadability?
    let store: any CacheStore
    let maxTurns: Int
    let logger: Logger
    /// Time spent embedding and in lookups, and the guard's refusals (read by `tollgate bench`).
    public let probe = SemanticProbe()
    /// The guard features of cached prompts, computed once each rather than per lookup.
    let features = FeatureMemo()

    /// How many cached prompts' guard features have been computed (each once while it is remembered).
    public var guardFeaturesComputed: Int { features.computed }

    /// Candidates checked against the guard, best first.
    static let candidates = 3
    /// The similarity threshold when the config sets none. 0.93 with the guard: replaying QQP odd
    /// rows, 2.5–2.9 % of semantic hits are truly wrong (QQP's labels say 18 %; two readers read
    /// every wrong hit, the rest are unlabelled duplicates) and 0.33 of the achievable hits are
    /// served; at 0.92 about 2.9–3.5 % are truly wrong (benchmarks/RESULTS.md, "Default threshold").
    public static let defaultThreshold = 0.93

    public init(embedder: any Embedder, store: any CacheStore, maxTurns: Int = 1, guardrail: LookalikeGuard = LookalikeGuard(),
                logger: Logger = Logger(label: "tollgate.semantic"), verification: SemanticVerification? = nil,
                skipUnreadable: Bool? = nil) {
        self.embedder = embedder
        // nil: the embedder's own gate (English models skip what they cannot read; a remote one reads all).
        switch skipUnreadable {
        case false?: self.readability = nil
        case true?: self.readability = embedder.readability ?? PromptReadability(vocabulary: nil)
        case nil: self.readability = embedder.readability
        }
        self.index = VectorIndex(dimension: embedder.dimension, store: store)
        self.store = store
        self.maxTurns = maxTurns
        self.guardrail = guardrail
        self.logger = logger
        self.verification = verification
    }

    // MARK: Namespace

    /// The request's namespace and last user text, or nil when the request skips the semantic
    /// layer: more user turns than `max_turns`, a last message that is not the user's,
    /// non-text content (an image's meaning is not in the text), or text the embedder cannot read
    /// (`readability`: counted in `tollgate_semantic_skipped_total`).
    public func namespace(endpoint: String, tenant: String, request: ChatRequest) -> (CacheKey, String)? {
        let messages = request.messages
        guard let last = messages.indices.last, messages[last]["role"]?.stringValue == "user" else { return nil }
        let userTurns = messages.filter { $0["role"]?.stringValue == "user" }.count
        guard userTurns <= maxTurns else { return nil }
        let text: String
        switch messages[last]["content"] {
        case .string(let s)?: text = s
        case .array(let parts)?:
            guard parts.allSatisfy({ $0["type"]?.stringValue == "text" }) else { return nil }
            text = parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        default: return nil
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        if let reason = readability?.unreadable(text) {
            Observability.semanticSkipped(reason: reason.rawValue)
            return nil
        }
        var blanked = messages
        blanked[last] = messages[last].setting("content", "")
        let body = request.body.removing(["stream", "stream_options"]).setting("messages", .array(blanked))
        return (CacheKey.hash("tollgate.semantic.v1", endpoint, tenant, body.canonicalBytes), text)
    }

    /// Namespace, text and embedding; nil when the request skips the layer or embedding fails.
    public func prompt(endpoint: String, tenant: String, request: ChatRequest) async -> SemanticPrompt? {
        guard let (ns, text) = namespace(endpoint: endpoint, tenant: tenant, request: request) else { return nil }
        do {
            let started = ContinuousClock.now
            defer { probe.embedded(since: started) }
            let embedder = self.embedder
            let vector = try await withSpan(StageSpan.embed) { _ in try await embedder.embed(text) }
            return SemanticPrompt(namespace: ns, text: text, vector: vector)
        } catch {
            logger.warning("embedding failed; semantic layer skipped", metadata: ["error": "\(error)"])
            return nil
        }
    }

    // MARK: Lookup and write

    /// The best cached prompt at or above `threshold` that the guard lets through.
    public func lookup(_ prompt: SemanticPrompt, threshold: Double?) -> SemanticLookup {
        withSpan(StageSpan.semanticLookup) { span in
            let result = search(prompt, threshold: threshold)
            span.attributes[StageSpan.Key.hit] = result.match != nil
            span.attributes[StageSpan.Key.candidates] = result.guarded.count + (result.match == nil ? 0 : 1)
            if let best = result.match?.similarity ?? result.guarded.first?.similarity { span.attributes[StageSpan.Key.similarity] = Double(best) }
            span.attributes[StageSpan.Key.verdict] = result.match != nil ? "pass" : result.guarded.isEmpty ? "below_threshold" : "refused"
            return result
        }
    }

    /// The cosine a candidate needs for a lookup at `threshold` (nil: none was set): the threshold
    /// itself when set, else the verifier's candidate gate, else `defaultThreshold`.
    public func gate(_ threshold: Double?) -> Double {
        verification?.gate(threshold) ?? threshold ?? SemanticCache.defaultThreshold
    }

    private func search(_ prompt: SemanticPrompt, threshold: Double?) -> SemanticLookup {
        var result = SemanticLookup()
        let started = ContinuousClock.now
        defer { probe.lookedUp(since: started) }
        let query = guardrail.features(of: prompt.text)
        let gate = self.gate(threshold)
        var nearestID: CacheKey?
        for (id, score) in index.search(namespace: prompt.namespace, query: prompt.vector, k: SemanticCache.candidates) {
            if score >= result.nearest ?? -.infinity { nearestID = id }
            result.nearest = max(result.nearest ?? score, score)
            guard Double(score) >= gate else { continue }
            guard let row = try? store.get(.vectors, id), let stored = VectorRow(decoding: row) else {
                index.remove(namespace: prompt.namespace, id: id)  // evicted or purged elsewhere
                continue
            }
            let cached = features.features(id, text: stored.text, guardrail)
            let verdict = withSpan(StageSpan.verify) { span in
                let v = verification?.verdict(query: prompt.text, queryFeatures: query, cached: stored.text, cachedFeatures: cached)
                    ?? guardrail.verdict(query: query, cached: cached)
                span.attributes[StageSpan.Key.similarity] = Double(score)
                span.attributes[StageSpan.Key.verdict] = v.pass ? "pass" : "refused"
                return v
            }
            if verdict.pass {
                result.match = SemanticMatch(key: id, similarity: score, cachedPrompt: stored.text,
                                             verdict: verdict.reason ?? (verification == nil ? "look-alike guard: passed" : "verifier: passed"))
                return result
            }
            let check = verdict.kind?.rawValue ?? "verifier"  // no kind: the verifier's own refusal
            result.guarded.append((score, verdict.reason ?? "guard", check))
            probe.refused(stored.text, similarity: score, check: check)
        }
        if let nearestID, let nearest = result.nearest, probe.recording {
            let text = (try? store.get(.vectors, nearestID)).flatMap { VectorRow(decoding: $0) }?.text
            probe.missed(nearest: text, similarity: nearest)
        }
        return result
    }

    /// The write that persists a prompt's vector row (for a caller that commits it together
    /// with its entry, then calls `index`).
    public func persist(_ prompt: SemanticPrompt, key: CacheKey) -> CacheWrite {
        .put(.vectors, key, VectorRow(namespace: prompt.namespace, vector: prompt.vector, text: prompt.text).encoded())
    }

    /// Adds a persisted prompt to the in-memory index.
    public func index(_ prompt: SemanticPrompt, key: CacheKey) {
        index.upsert(namespace: prompt.namespace, id: key, vector: prompt.vector)
    }

    /// The stored prompt of an exact key (namespace, text, vector), if it has one.
    public func storedPrompt(_ key: CacheKey) -> SemanticPrompt? {
        guard let value = try? store.get(.vectors, key), let row = VectorRow(decoding: value) else { return nil }
        return SemanticPrompt(namespace: row.namespace, text: row.text, vector: row.vector)
    }

    /// Records the prompt of a stored answer (persisted, then indexed).
    public func add(_ prompt: SemanticPrompt, key: CacheKey) async {
        do {
            try await store.write([persist(prompt, key: key)])
            index(prompt, key: key)
        } catch {
            logger.warning("vector write failed; the answer is cached for exact hits only", metadata: ["error": "\(error)"])
        }
    }

    /// Loads every persisted vector into the index; returns how many.
    @discardableResult
    public func load() throws -> Int {
        try index.load(from: store)
    }

    /// Forgets the vectors of removed entries (TTL expiry, purge).
    public func remove(_ keys: [CacheKey]) async throws {
        guard !keys.isEmpty else { return }
        var namespaces: [CacheKey: CacheKey] = [:]
        for key in keys { if let row = try? store.get(.vectors, key), let r = VectorRow(decoding: row) { namespaces[key] = r.namespace } }
        try await store.write(keys.map { .delete(.vectors, $0) })
        for (key, ns) in namespaces { index.remove(namespace: ns, id: key) }
        features.forget(keys)
    }
}

/// The guard features of cached prompts by exact key. A key names one request, so one prompt
/// text: its features never change. Bounded: at `capacity` it starts over (features are cheap
/// to recompute; what matters is not recomputing them for every candidate of every lookup).
final class FeatureMemo: Sendable {
    private let table = Mutex<[CacheKey: PromptFeatures]>([:])
    private let computedCount = Atomic<Int>(0)
    let capacity: Int

    init(capacity: Int = 8192) { self.capacity = capacity }

    var computed: Int { computedCount.load(ordering: .relaxed) }

    func features(_ key: CacheKey, text: String, _ guardrail: LookalikeGuard) -> PromptFeatures {
        if let known = table.withLock({ $0[key] }) { return known }
        let f = guardrail.features(of: text)  // outside the lock
        computedCount.wrappingAdd(1, ordering: .relaxed)
        table.withLock { t in
            if t.count >= capacity { t.removeAll(keepingCapacity: true) }
            t[key] = f
        }
        return f
    }

    func forget(_ keys: [CacheKey]) {
        table.withLock { t in for k in keys { t[k] = nil } }
    }
}

/// A persisted vector: namespace, the prompt's text (for the guard) and its embedding.
struct VectorRow {
    let namespace: CacheKey
    let vector: [Float]
    let text: String

    func encoded() -> [UInt8] {
        var b = ByteBuffer()
        b.writeBytes(namespace.bytes)
        b.writeInteger(UInt16(vector.count), endianness: .little)
        for x in vector { b.writeInteger(x.bitPattern, endianness: .little) }
        b.writeString(text)
        return Array(b.readableBytesView)
    }

    init(namespace: CacheKey, vector: [Float], text: String) {
        self.namespace = namespace
        self.vector = vector
        self.text = text
    }

    init?(decoding value: ByteBuffer) {
        var b = value
        guard let ns = b.readBytes(length: 32), let n = b.readInteger(endianness: .little, as: UInt16.self), b.readableBytes >= Int(n) * 4 else { return nil }
        var v = [Float](repeating: 0, count: Int(n))
        for i in 0..<Int(n) { v[i] = Float(bitPattern: b.readInteger(endianness: .little, as: UInt32.self)!) }
        namespace = CacheKey(bytes: ns)
        vector = v
        text = b.readString(length: b.readableBytes) ?? ""
    }
}
