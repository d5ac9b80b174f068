import Foundation
import Prometheus
import Synchronization

/// The gateway's metrics, in one Prometheus registry that `GET /metrics` renders. Every family
/// is declared here with its `# HELP` text (`Observability.Family`); series whose labels are
/// known at start (configured providers, models and tenants, the guard's checks) are made at
/// start so that they read 0 before their first event. Unit tests that never render them pay
/// only the counters' atomics.
public enum Observability {
    /// The registry every metric lives in.
    public static let registry = PrometheusCollectorRegistry()

    /// Route labels: the contract's paths (`{id}` for a path parameter); anything else is
    /// `other`, so an unknown path cannot add a series.
    static let knownRoutes: Set<String> = [
        "/v1/chat/completions", "/v1/embeddings", "/v1/messages", "/v1/messages/count_tokens", "/v1/responses", "/v1/models",
        "/healthz", "/metrics", "/openapi.yaml", "/admin/stats", "/admin/cache/purge",
        "/admin/timeseries", "/admin/review", "/admin/review/export", "/console",
    ]

    /// The route label of a request path.
    public static func route(_ path: String) -> String {
        if knownRoutes.contains(path) { return path }
        if path.hasPrefix("/v1/models/"), path.count > 11, !path.dropFirst(11).contains("/") { return "/v1/models/{id}" }
        if path.hasPrefix("/v1/responses/"), path.count > 14, !path.dropFirst(14).contains("/") { return "/v1/responses/{id}" }
        return "other"
    }

    /// The families and their help text.
    enum Family {
        static let requests = "Requests answered, by route, HTTP status and cache result (x-tollgate-cache; none when the answer has no cache result)."
        static let requestDuration = "Time from the request's arrival to its last response byte, by route and cache result."
        static let upstreamLatency = "Time of one successful upstream call (a streamed answer: the whole transfer), by provider."
        static let tokens = "Upstream tokens billed, by provider, model, tenant and direction (in: prompt, out: completion)."
        static let cost = "US dollars spent on upstream calls, by provider, model and tenant (from the configured prices)."
        static let saved = "US dollars that cache hits saved: what the cached answers cost when they were fetched."
        static let bestSimilarity = "Cosine similarity of the nearest cached prompt at each semantic lookup, by whether the lookup was served (hit) or not (miss): where a threshold would cut."
        static let guarded = "Semantic candidates above the threshold that the look-alike guard refused, by the check that failed."
        static let skipped = "Prompts the semantic layer did not read because its embedder cannot (other_script, other_language, mostly_code): served from the exact layer only."
        static let fastPath = "Exact hits answered on the connection's event loop by the raw-body fast path, before the router (also counted in tollgate_requests_total)."
        static let entries = "Answers stored in the local cache (LMDB)."
        static let vectors = "Prompt vectors stored for the semantic layer."
        static let bytes = "Size of the LMDB file's pages in use, free-list and B-tree pages included; /admin/stats `bytes` counts only the stored entries' own bytes, so it is smaller."
        static let sharedEvents = "Shared-tier (PostgreSQL) events: hit, miss, written, followed, waited, error."
        static let sharedOutbox = "Answers stored in this node and not yet written to PostgreSQL."
        static let sharedUp = "1 while PostgreSQL answers, 0 while this node runs without it."
        static let buildInfo = "Always 1; the version label is the running tollgate's version."
    }

    static let durationBuckets: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
                                              .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(10), .seconds(30)]

    static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// What is known at start, to make its series at 0.
    public struct Known: Sendable {
        /// Provider name → its model names.
        public var models: [(provider: String, models: [String])] = []
        public var tenants: [String] = []
        /// The guard's check names.
        public var guardChecks: [String] = []
        /// Why the semantic layer may skip a prompt (`tollgate_semantic_skipped_total`'s reasons).
        public var skipReasons: [String] = []
        public var shared = false
        public var version = ""

        public init(models: [(provider: String, models: [String])] = [], tenants: [String] = [], guardChecks: [String] = [], skipReasons: [String] = [],
                    shared: Bool = false, version: String = "") {
            self.models = models
            self.tenants = tenants
            self.guardChecks = guardChecks
            self.skipReasons = skipReasons
            self.shared = shared
            self.version = version
        }
    }

    /// Makes every series known at start (at 0) and returns the registry.
    @discardableResult
    public static func bootstrap(_ known: Known = Known()) -> PrometheusCollectorRegistry {
        registry.makeGauge(descriptor: descriptor("tollgate_build_info", Family.buildInfo), labels: [("version", known.version.isEmpty ? "unknown" : known.version)]).set(Int64(1))
        for route in ["/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/embeddings"] {
            for cache in route == "/v1/embeddings" ? ["hit", "miss"] : ["hit", "semantic-hit", "miss"] {
                _ = requestCounter(RequestKey(route: route, status: 200, cache: cache))
            }
        }
        _ = savedCounter
        _ = fastPathCounter
        let tenants = known.tenants.isEmpty ? ["default"] : known.tenants
        let triples = known.models.flatMap { p in p.models.flatMap { m in tenants.map { (p.provider, m, $0) } } }
        if triples.count <= 200 {
            for (p, m, t) in triples { _ = usage(UsageKey(provider: p, model: m, tenant: t)) }
        }
        for check in known.guardChecks { guarded(check: check, count: 0) }
        for reason in known.skipReasons { semanticSkipped(reason: reason, count: 0) }
        if !known.guardChecks.isEmpty { _ = similarityHistogram(hit: true); _ = similarityHistogram(hit: false) }
        cacheSize(entries: 0, vectors: 0, bytes: 0)
        if known.shared {
            for event in ["hit", "miss", "written", "followed", "waited", "error"] { shared(event, count: 0) }
            sharedOutbox(0)
        }
        return registry
    }

    // MARK: Requests

    struct RequestKey: Hashable {
        let route: String
        let status: Int
        let cache: String
    }

    /// Series made once each: the registry lookup validates names, which showed up in the hit
    /// path's profile when done per request.
    private static let requestCounters = Mutex<[RequestKey: Counter]>([:])
    private static let durations = Mutex<[[String]: DurationHistogram]>([:])

    static func requestCounter(_ key: RequestKey) -> Counter {
        requestCounters.withLock { counters in
            if let c = counters[key] { return c }
            let c = registry.makeCounter(descriptor: descriptor("tollgate_requests_total", Family.requests),
                                         labels: [("route", key.route), ("status", String(key.status)), ("cache", key.cache)])
            counters[key] = c
            return c
        }
    }

    /// `tollgate_requests_total{route,status,cache}` and `tollgate_request_duration_seconds{route,cache}`.
    package static func request(route: String, status: Int, cache: String?, duration: Duration) {
        let key = RequestKey(route: knownRoutes.contains(route) || route.hasSuffix("{id}") || route == "-" ? route : "other", status: status, cache: cache ?? "none")
        requestCounter(key).increment()
        let histogram = durations.withLock { all in
            if let h = all[[key.route, key.cache]] { return h }
            let h = registry.makeDurationHistogram(descriptor: descriptor("tollgate_request_duration_seconds", Family.requestDuration),
                                                   labels: [("route", key.route), ("cache", key.cache)], buckets: durationBuckets)
            all[[key.route, key.cache]] = h
            return h
        }
        histogram.record(duration)
    }

    // MARK: Upstream

    struct UsageKey: Hashable {
        let provider: String
        let model: String
        let tenant: String
    }

    struct Usage {
        let tokensIn: Counter
        let tokensOut: Counter
        let cost: Counter
    }

    private static let usages = Mutex<[UsageKey: Usage]>([:])
    private static let latencies = Mutex<[String: DurationHistogram]>([:])

    static func usage(_ key: UsageKey) -> Usage {
        usages.withLock { all in
            if let u = all[key] { return u }
            let labels = [("provider", key.provider), ("model", key.model), ("tenant", key.tenant)]
            let tokens = descriptor("tollgate_tokens_total", Family.tokens)
            let u = Usage(tokensIn: registry.makeCounter(descriptor: tokens, labels: labels + [("direction", "in")]),
                          tokensOut: registry.makeCounter(descriptor: tokens, labels: labels + [("direction", "out")]),
                          cost: registry.makeCounter(descriptor: descriptor("tollgate_cost_usd_total", Family.cost), labels: labels))
            all[key] = u
            return u
        }
    }

    /// An upstream call: latency by provider; tokens in and out and cost by provider, model and tenant.
    package static func upstream(provider: String, model: String, tenant: String, seconds: Double, promptTokens: Int, completionTokens: Int, costUSD: Double) {
        let latency = latencies.withLock { all in
            if let h = all[provider] { return h }
            let h = registry.makeDurationHistogram(descriptor: descriptor("tollgate_upstream_latency_seconds", Family.upstreamLatency),
                                                   labels: [("provider", provider)], buckets: durationBuckets)
            all[provider] = h
            return h
        }
        latency.recordNanoseconds(Int64(seconds * 1e9))
        let u = usage(UsageKey(provider: provider, model: model, tenant: tenant))
        u.tokensIn.increment(by: Int64(promptTokens))
        u.tokensOut.increment(by: Int64(completionTokens))
        u.cost.increment(by: costUSD)
    }

    // MARK: Cache

    private static let savedCounter = registry.makeCounter(descriptor: descriptor("tollgate_saved_usd_total", Family.saved))

    /// A hit: what it saved.
    package static func saved(_ usd: Double) {
        savedCounter.increment(by: usd)
    }

    private static let fastPathCounter = registry.makeCounter(descriptor: descriptor("tollgate_exact_fast_path_total", Family.fastPath))

    /// An exact hit answered on the event loop (`ExactHitResponder`).
    package static func fastPathHit() {
        fastPathCounter.increment()
    }

    /// A semantic candidate the look-alike guard refused, by the check that failed.
    package static func guarded(check: String, count: Int = 1) {
        registry.makeCounter(descriptor: descriptor("tollgate_semantic_guarded_total", Family.guarded), labels: [("check", check)]).increment(by: Int64(count))
    }

    /// A prompt the semantic layer skipped because its embedder cannot read it, by the reason.
    package static func semanticSkipped(reason: String, count: Int = 1) {
        registry.makeCounter(descriptor: descriptor("tollgate_semantic_skipped_total", Family.skipped), labels: [("reason", reason)]).increment(by: Int64(count))
    }

    /// Its buckets: 0.5 to 1.0 by 0.05.
    public static let similarityBuckets: [Double] = (0...10).map { Double(50 + 5 * $0) / 100 }

    static func similarityHistogram(hit: Bool) -> ValueHistogram {
        registry.makeValueHistogram(descriptor: descriptor("tollgate_semantic_best_similarity", Family.bestSimilarity),
                                    labels: [("result", hit ? "hit" : "miss")], buckets: similarityBuckets)
    }

    /// `tollgate_semantic_best_similarity{result}`: the nearest candidate's cosine of each semantic
    /// lookup, served (`hit`) or not (`miss`).
    package static func semanticSimilarity(_ similarity: Double, hit: Bool) {
        similarityHistogram(hit: hit).record(similarity)
    }

    /// Cache size, refreshed when `/metrics` is read.
    package static func cacheSize(entries: Int, vectors: Int, bytes: Int) {
        registry.makeGauge(descriptor: descriptor("tollgate_cache_entries", Family.entries)).set(Int64(entries))
        registry.makeGauge(descriptor: descriptor("tollgate_cache_vectors", Family.vectors)).set(Int64(vectors))
        registry.makeGauge(descriptor: descriptor("tollgate_cache_bytes", Family.bytes)).set(Int64(bytes))
    }

    // MARK: Shared tier

    /// Shared tier events: `tollgate_shared_events_total{event}` (hit, miss, written, followed,
    /// waited, error).
    package static func shared(_ event: String, count: Int = 1) {
        registry.makeCounter(descriptor: descriptor("tollgate_shared_events_total", Family.sharedEvents), labels: [("event", event)]).increment(by: Int64(count))
    }

    /// `tollgate_shared_outbox`: answers stored here and not yet in PostgreSQL.
    package static func sharedOutbox(_ n: Int) {
        registry.makeGauge(descriptor: descriptor("tollgate_shared_outbox", Family.sharedOutbox)).set(Int64(n))
    }

    /// `tollgate_shared_up`: 1 while PostgreSQL answers, 0 while the node runs without it.
    package static func sharedUp(_ up: Bool) {
        registry.makeGauge(descriptor: descriptor("tollgate_shared_up", Family.sharedUp)).set(Int64(up ? 1 : 0))
    }

    // MARK: Exposition

    /// The Prometheus text of every family, each sample value rounded to 1e-9 and written as
    /// short as that allows (a sum of dollar amounts reads `0.0001576`, not
    /// `0.00015759999999999998`).
    public static func exposition() -> [UInt8] {
        let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        // Families in name order and series sorted within each (the registry keeps them in
        // dictionaries): two scrapes of the same state read the same.
        var families: [(name: String, header: [Substring], samples: [String])] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") {
                let name = line.split(separator: " ").dropFirst(2).first.map(String.init) ?? ""
                if families.last?.name != name || !(families.last?.samples.isEmpty ?? false) { families.append((name, [], [])) }
                families[families.count - 1].header.append(line)
            } else if let space = line.lastIndex(of: " ") {
                if families.isEmpty { families.append(("", [], [])) }
                families[families.count - 1].samples.append(String(line[...space]) + sampleValue(String(line[line.index(after: space)...])))
            }
        }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for f in families.sorted(by: { $0.name < $1.name }) {
            for h in f.header { out += h; out += "\n" }
            // Histogram series keep their bucket order; others are sorted by their labels.
            for s in (f.header.contains { $0.hasSuffix(" histogram") } ? f.samples : f.samples.sorted()) { out += s; out += "\n" }
        }
        return Array(out.utf8)
    }

    /// One sample value without float noise: integers stay integers; other finite numbers are
    /// rounded to 9 decimals and printed in Swift's shortest round-trip form.
    static func sampleValue(_ token: String) -> String {
        guard token.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let v = Double(token), v.isFinite else { return token }
        let rounded = (v * 1e9).rounded() / 1e9
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return "\(rounded)"
    }
}
