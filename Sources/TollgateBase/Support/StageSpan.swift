import Tracing

/// The names and attribute keys of the request path's trace spans, in one place so that every
/// stage's span reads the same in Jaeger or any OTLP backend. The server span (one per request)
/// is Hummingbird's `TracingMiddleware`; each stage opens a child of whatever span is current.
/// Attributes carry outcomes, sizes, providers and models — never prompt text or keys.
public enum StageSpan {
    public static let exactLookup = "tollgate.exact_lookup"
    public static let sharedLookup = "tollgate.shared_lookup"
    public static let embed = "tollgate.embed"
    public static let semanticLookup = "tollgate.semantic_lookup"
    public static let verify = "tollgate.semantic_verify"
    public static let upstream = "tollgate.upstream"
    public static let writeBack = "tollgate.write_back"

    /// Attribute keys (OpenTelemetry's `gen_ai.*` conventions where they exist).
    public enum Key {
        public static let hit = "tollgate.cache.hit"
        public static let similarity = "tollgate.semantic.similarity"
        public static let candidates = "tollgate.semantic.candidates"
        public static let verdict = "tollgate.semantic.verdict"
        public static let provider = "tollgate.provider"
        public static let system = "gen_ai.system"
        public static let requestModel = "gen_ai.request.model"
        public static let operation = "gen_ai.operation.name"
        public static let outcome = "tollgate.upstream.outcome"
    }
}
