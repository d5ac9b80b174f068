import Foundation
import Metrics
import Prometheus
import Synchronization

/// The gateway's metrics, through swift-metrics; `bootstrap()` sends them to a Prometheus
/// registry that `GET /metrics` renders. Without a bootstrap (unit tests) they cost nothing.
public enum Observability {
    /// Routes whose metrics are labelled by path; anything else is `other` (bounded cardinality).
    static let knownRoutes: Set<String> = ["/v1/chat/completions", "/v1/embeddings", "/v1/models", "/healthz", "/metrics", "/admin/stats", "/admin/cache/purge",
                                                 "/admin/timeseries", "/admin/review", "/admin/review/export", "/console"]

    /// Points swift-metrics at a new Prometheus registry (once per process) and returns it.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [.microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
                                                   .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(10), .seconds(30)]
        factory.valueHistogramBuckets[similarityLabel] = similarityBuckets
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// Request counters by (route, status, cache), made once each: the factory lookup and
    /// Prometheus name validation showed up in the hit path's profile when made per request.
    private static let requestCounters = Mutex<[RequestKey: Metrics.Counter]>([:])

    struct RequestKey: Hashable {
        let route: String
        let status: Int
        let cache: String
    }

    /// `tollgate_requests_total{route,status,cache}`.
    package static func request(path: String, status: Int, cache: String?) {
        let key = RequestKey(route: knownRoutes.contains(path) ? path : "other", status: status, cache: cache ?? "none")
        let counter = requestCounters.withLock { counters in
            if let c = counters[key] { return c }
            let c = Counter(label: "tollgate_requests_total", dimensions: [("route", key.route), ("status", String(key.status)), ("cache", key.cache)])
            counters[key] = c
            return c
        }
        counter.increment()
    }

    /// An upstream call: latency by provider and outcome, tokens in and out, its cost.
    package static func upstream(provider: String, seconds: Double, promptTokens: Int, completionTokens: Int, costUSD: Double) {
        Metrics.Timer(label: "tollgate_upstream_latency_seconds", dimensions: [("provider", provider)]).recordNanoseconds(Int64(seconds * 1e9))
        Counter(label: "tollgate_tokens_total", dimensions: [("provider", provider), ("direction", "in")]).increment(by: promptTokens)
        Counter(label: "tollgate_tokens_total", dimensions: [("provider", provider), ("direction", "out")]).increment(by: completionTokens)
        FloatingPointCounter(label: "tollgate_cost_usd_total", dimensions: [("provider", provider)]).increment(by: costUSD)
    }

    /// A hit: what it saved.
    private static let savedCounter = Mutex<FloatingPointCounter?>(nil)

    package static func saved(_ usd: Double) {
        let counter = savedCounter.withLock { c in
            if let c { return c }
            let made = FloatingPointCounter(label: "tollgate_saved_usd_total")
            c = made
            return made
        }
        counter.increment(by: usd)
    }

    /// `tollgate_semantic_best_similarity{result}`: the nearest candidate's cosine of each semantic
    /// lookup, served (`hit`) or not (`miss`): where a threshold would cut.
    static let similarityLabel = "tollgate_semantic_best_similarity"
    /// Its buckets: 0.5 to 1.0 by 0.05.
    public static let similarityBuckets: [Double] = (0...10).map { Double(50 + 5 * $0) / 100 }
    private static let similarityRecorders = Mutex<[Bool: Recorder]>([:])

    package static func semanticSimilarity(_ similarity: Double, hit: Bool) {
        let recorder = similarityRecorders.withLock { r in
            if let made = r[hit] { return made }
            let made = Recorder(label: similarityLabel, dimensions: [("result", hit ? "hit" : "miss")], aggregate: true)
            r[hit] = made
            return made
        }
        recorder.record(similarity)
    }

    /// A semantic candidate the look-alike guard refused.
    package static func guarded() {
        Counter(label: "tollgate_semantic_guarded_total").increment()
    }

    /// Cache size, refreshed when `/metrics` is read.
    package static func cacheSize(entries: Int, vectors: Int, bytes: Int) {
        Gauge(label: "tollgate_cache_entries").record(entries)
        Gauge(label: "tollgate_cache_vectors").record(vectors)
        Gauge(label: "tollgate_cache_bytes").record(bytes)
    }

    /// Shared tier events: `tollgate_shared_events_total{event}` (hit, miss, written, followed,
    /// waited, dropped, error).
    package static func shared(_ event: String, count: Int = 1) {
        Counter(label: "tollgate_shared_events_total", dimensions: [("event", event)]).increment(by: count)
    }

    /// `tollgate_shared_outbox`: answers stored here and not yet in PostgreSQL.
    package static func sharedOutbox(_ n: Int) {
        Gauge(label: "tollgate_shared_outbox").record(n)
    }

    /// `tollgate_shared_up`: 1 while PostgreSQL answers, 0 while the node runs without it.
    package static func sharedUp(_ up: Bool) {
        Gauge(label: "tollgate_shared_up").record(up ? 1 : 0)
    }
}
