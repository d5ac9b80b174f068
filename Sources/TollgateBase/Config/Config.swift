import Foundation

/// The whole gateway configuration: one YAML file, validated at start (see `ConfigLoader`).
public struct GatewayConfig: Sendable {
    /// Where the HTTP server listens.
    public struct Listen: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
    }

    /// The semantic layer's settings (used once the semantic cache is on).
    public struct Semantic: Sendable {
        public var enabled = true
        public var embedder = "minilm"
        public var modelDir = ".models/all-MiniLM-L6-v2"
        public var threshold: Double?
        /// Per-model thresholds (`cache.semantic.thresholds: {model: t}`), by the model name clients send.
        public var thresholds: [String: Double] = [:]
        public var maxTurns = 1
        /// Skip prompts the embedder cannot read (another language or script, mostly code): nil
        /// means yes for the English `minilm` and `hashing` embedders, no for `remote` (`skip_unreadable`).
        public var skipUnreadable: Bool?
        /// The upstream of the `remote` embedder.
        public var remote: RemoteEmbedding?
        /// The pair verifier (`cache.semantic.verifier`), on by default; nil (`verifier: false`): the
        /// cosine threshold and the look-alike guard only, a less precise mode (benchmarks/RESULTS.md).
        /// Configured but its file missing: the semantic layer is off.
        public var verifier: VerifierSettings? = VerifierSettings()
    }

    /// An OpenAI-compatible embeddings upstream for `embedder: remote`.
    public struct RemoteEmbedding: Sendable {
        public var baseURL: String
        public var model: String
        public var dimension: Int
        public var apiKeyEnv: String?
    }

    /// The optional shared tier.
    public struct Shared: Sendable {
        public var kind = "postgres"
        public var urlEnv = "TOLLGATE_PG_URL"
        /// How long an LMDB miss may wait for PostgreSQL before it counts as a miss.
        public var readTimeoutMs = 250
        /// How long a node waits for another node's in-flight upstream call for the same key.
        public var waitMs = 10_000
        /// Copy every other node's entry and vector into this node (needed for semantic hits
        /// across nodes); false: read other nodes' answers from PostgreSQL on demand, exact only.
        public var follow = true
    }

    /// Cache settings.
    public struct Cache: Sendable {
        public var ttlSeconds = 86_400
        /// LMDB map size: the most the cache file may grow to.
        public var maxBytes = 1 << 30
        public var semantic = Semantic()
        public var shared: Shared?
    }

    /// Request limits and upstream timeouts.
    public struct Limits: Sendable {
        public var maxBodyBytes = 4 * 1024 * 1024
        public var maxMessages = 2048
        public var upstreamConnectTimeoutMs = 5_000
        /// Most time an upstream may take to its answer's first byte (not the whole answer).
        public var upstreamTimeoutMs = 120_000
        /// Most time between two bytes of an upstream answer (nginx `proxy_read_timeout`):
        /// a stream is cut only when it stalls, never for being long.
        public var upstreamIdleTimeoutMs = 60_000
        /// A connection must send its first request's whole head within this (nginx
        /// `client_header_timeout`; shorter, as SDK clients send a head in one segment).
        public var headerTimeoutMs = 10_000
        /// Most time between two reads of a request body (nginx `client_body_timeout`).
        public var bodyTimeoutMs = 30_000
        /// An idle keep-alive connection is closed after this (nginx `keepalive_timeout`).
        public var idleTimeoutMs = 75_000
        /// Most time without progress while an answer waits to be sent, because the client does
        /// not read it (nginx `send_timeout`); the connection is then reset.
        public var sendTimeoutMs = 60_000
        /// Most client connections open at once; beyond it a new one is closed on accept.
        public var maxConnections = 1024
    }

    /// How the router ranks candidates.
    public enum Strategy: String, Sendable, CaseIterable {
        case cheapest, fastest, weighted
    }

    public struct Routing: Sendable {
        public var strategy = Strategy.cheapest
        /// Consecutive failures that open a provider's circuit breaker.
        public var breakerFailures = 5
        /// Seconds an open breaker waits before letting one probe through.
        public var breakerCooldownSeconds = 30.0
        /// Output tokens assumed when a request sets no `max_tokens` (for ranking only).
        public var expectedOutputTokens = 256
    }

    public var listen = Listen()
    public var dataDir = ".tollgate"
    public var cache = Cache()
    public var limits = Limits()
    public var routing = Routing()
    public var providers: [ProviderConfig] = []
    public var keys: [KeyConfig] = []
    public var observability = ObservabilitySettings()

    public init() {}
}

extension GatewayConfig {
    /// `observability`: the per-minute time series and the semantic review queue (issue 17).
    public struct ObservabilitySettings: Sendable {
        /// Minutes of per-minute aggregates kept in LMDB (`timeseries_minutes`).
        public var timeseriesMinutes = 1440
        /// Keep both prompts of a semantic hit in the review queue for every tenant (`keep_prompts: true`).
        public var keepPrompts = false
        /// ... or only for these tenants (`keep_prompts: [a, b]`).
        public var keepPromptsTenants: Set<String> = []
        /// Most semantic hits the review queue keeps (`review_size`); older ones leave the ring.
        public var reviewSize = 500

        public init() {}

        /// Whether prompt text of `tenant`'s semantic hits may be kept.
        public func keepsPrompts(tenant: String) -> Bool { keepPrompts || keepPromptsTenants.contains(tenant) }
    }
}

/// What a model can do; a request that needs a capability only goes to models that have it.
public enum Capability: String, Sendable, CaseIterable, Hashable {
    case stream, tools, json, vision
}

/// One upstream provider and the models it serves.
public struct ProviderConfig: Sendable {
    /// Wire format of the upstream.
    public enum Kind: String, Sendable, CaseIterable {
        case openai, anthropic
    }

    public var name: String
    public var kind: Kind
    /// Base URL; Tollgate appends `/chat/completions` (openai) or `/messages` (anthropic).
    public var baseURL: String
    /// Environment variable holding the API key (the key itself is never in the config).
    public var apiKeyEnv: String?
    public var models: [ModelConfig]
    /// Most requests in flight to this provider at once (nil: no limit).
    public var maxConcurrency: Int?
    /// Share of traffic under `routing.strategy: weighted`.
    public var weight = 1.0

    /// `api_key_env` when that variable is unset or empty in `environment` (calls then go
    /// without a key); nil when it is set or the provider needs none.
    public func missingKeyEnv(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let env = apiKeyEnv, environment[env]?.isEmpty ?? true else { return nil }
        return env
    }

    public init(name: String, kind: Kind, baseURL: String, apiKeyEnv: String? = nil, models: [ModelConfig]) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.apiKeyEnv = apiKeyEnv
        self.models = models
    }

    /// The endpoint for chat requests: the base URL joined with the kind's path, one slash between.
    public var chatURL: String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + (kind == .openai ? "/chat/completions" : "/messages")
    }
}

/// What a model answers: chat (chat completions, Messages, Responses) or embeddings.
public enum ModelKind: String, Sendable, CaseIterable {
    case chat, embeddings

    /// The kind a config entry without `kind:` gets: embeddings for names that say so
    /// (`text-embedding-3-small`, `nomic-embed-text`), chat otherwise.
    public static func inferred(from name: String) -> ModelKind {
        name.lowercased().contains("embed") ? .embeddings : .chat
    }
}

/// A model as one provider serves it, with its prices.
public struct ModelConfig: Sendable {
    /// The name clients ask for.
    public var name: String
    /// Chat or embeddings: chat requests (and `auto`) only go to chat models.
    public var kind: ModelKind
    /// The provider's own id (defaults to `name`).
    public var upstream: String
    public var inputUSDPerMTok: Double
    public var outputUSDPerMTok: Double
    /// Input tokens read from the provider's own prompt cache (OpenAI `cached_tokens`,
    /// Anthropic `cache_read_input_tokens`); nil: the provider kind's usual discount.
    public var cachedInputUSDPerMTok: Double?
    /// Input tokens written to the provider's prompt cache (Anthropic
    /// `cache_creation_input_tokens`); nil: the provider kind's usual surcharge.
    public var cacheWriteUSDPerMTok: Double?
    public var contextWindow: Int
    public var capabilities: Set<Capability>

    public init(name: String, upstream: String? = nil, inputUSDPerMTok: Double, outputUSDPerMTok: Double,
                contextWindow: Int = 128_000, capabilities: Set<Capability> = Set(Capability.allCases), kind: ModelKind? = nil) {
        self.name = name
        self.kind = kind ?? .inferred(from: name)
        self.upstream = upstream ?? name
        self.inputUSDPerMTok = inputUSDPerMTok
        self.outputUSDPerMTok = outputUSDPerMTok
        self.contextWindow = contextWindow
        self.capabilities = capabilities
    }
}

/// A client key: who may call, and which tenant's cache they see.
extension KeyConfig {
    /// The tenant of every request when no keys are configured (and of fixtures that name none).
    public static let defaultTenant = "default"
}

public struct KeyConfig: Sendable {
    public var keyEnv: String?
    /// Hex SHA-256 of the key, for keys kept out of the environment.
    public var keySHA256: String?
    public var tenant: String
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var usdPerDay: Double?
    public var admin = false

    public init(keyEnv: String? = nil, keySHA256: String? = nil, tenant: String, admin: Bool = false) {
        self.keyEnv = keyEnv
        self.keySHA256 = keySHA256
        self.tenant = tenant
        self.admin = admin
    }
}

extension GatewayConfig {
    /// `cache.semantic.verifier`: the pair verifier's file and thresholds.
    public struct VerifierSettings: Sendable, Equatable {
        public var path = "models/verifier/pair-verifier.safetensors"
        /// Served when the verifier's probability of "same meaning" is at least this.
        public static let defaultThreshold = 0.5
        /// Candidates from this cosine up go to the verifier.
        public static let defaultCandidateThreshold = 0.90
        public var threshold = defaultThreshold
        public var candidateThreshold = defaultCandidateThreshold
        public init() {}
    }
}

extension GatewayConfig.Semantic {
    /// The configured threshold for requests to `model`: its `thresholds` entry, else `threshold`;
    /// nil: the semantic layer's tuned default.
    public func threshold(forModel model: String) -> Double? {
        thresholds[model] ?? threshold
    }
}
