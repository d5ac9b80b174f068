import Foundation
import HTTPTypes
import Logging
import NIOCore
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// How one request of a bench run was answered, and what the bench makes of it.
public struct BenchOutcome: Sendable {
    /// The path a request took (`x-tollgate-cache`), or `error` for a non-200 answer.
    public enum Path: String, Sendable, CaseIterable {
        case exact, semantic, miss, bypass, error
    }

    public var line: Int
    public var path: Path
    public var status: Int
    public var queryClass: String?
    /// The class and workload line of the answer served (from its content).
    public var servedClass: String?
    public var servedLine: Int?
    public var similarity: Double?
    /// The query's class was already in the cache when it arrived.
    public var achievable: Bool
    public var savedUSD: Double
    public var costUSD: Double
    /// Wall time of the request through the gateway.
    public var nanos: Int64
    /// Time inside it spent embedding and in the semantic lookup (in process only).
    public var embedNanos: Int64?
    public var lookupNanos: Int64?
    /// Each refused candidate: the check that failed and whether it was of the query's class.
    public var refusals: [BenchRefusal] = []
    /// A semantic lookup that served nothing: its nearest cached prompt and similarity (in process only).
    public var nearestSimilarity: Double?
    public var nearestPrompt: String?
    /// Candidates the guard refused, by whether they were of the query's class.
    public var refusedSameClass: Int { refusals.count { $0.sameClass == true } }
    public var refusedOtherClass: Int { refusals.count { $0.sameClass == false } }
    public var refusedUnscored: Int { refusals.count { $0.sameClass == nil } }

    /// A hit (exact or semantic) on a scored request: was the served answer of the query's class?
    public var correct: Bool? {
        guard path == .exact || path == .semantic, let q = queryClass else { return nil }
        return servedClass == q
    }
}

/// A candidate the guard refused during a bench request.
public struct BenchRefusal: Sendable {
    public var cachedPrompt: String
    public var similarity: Double
    /// The guard check that failed (`MismatchKind`'s raw value).
    public var check: String
    /// Of the query's class (a hit lost), of another (a wrong hit prevented), or unscored (nil).
    public var sameClass: Bool?
}

/// One bench run: a workload replayed through one gateway with one threshold, from an empty cache.
public struct BenchRun: Sendable {
    /// The cosine threshold (for the verifier curve: the cosine a candidate needs to be verified).
    public var threshold: Double
    /// What decided the semantic hits.
    public var curve: BenchCurve
    public var outcomes: [BenchOutcome]
    /// Upstream calls the upstream counted (in process only).
    public var upstreamCalls: Int?
    public var wallSeconds: Double
    /// Embeddings came from an earlier run of the same sweep: latency figures are not representative.
    public var embeddingsReused = false
    /// "in process" or the gateway URL.
    public var target: String
}

/// Replays a workload through the gateway's real request path — exact cache (LMDB), semantic
/// layer, router, libcurl — to the bench upstream, one request at a time, and scores each answer.
public final class BenchRunner: Sendable {
    public let workload: [BenchRequest]
    /// The config as the bench runs it: every provider points at the bench upstream.
    public let config: GatewayConfig
    let embedder: (any Embedder)?
    let textIndex: [String: String?]
    let logger: Logger
    /// The config's verifier, loaded once for every run (its scores memoized with `memoize`); nil
    /// when the config has none or its file cannot be loaded (logged).
    let verification: SemanticVerification?

    static let thresholdHeader = HTTPField.Name("x-tollgate-threshold")!

    /// `config` keeps its cache settings, models and prices; its providers are redirected to
    /// `upstreamURL` (OpenAI wire format, no keys) and client keys are dropped.
    /// `memoize`: the verifier's scores are remembered across runs (as `MemoEmbedder` does for vectors).
    public init(workload: [BenchRequest], config: GatewayConfig, upstreamURL: String, embedder: (any Embedder)?, memoize: Bool = false, logger: Logger) {
        self.workload = workload
        var cfg = config
        cfg.providers = config.providers.map { p in
            var q = p
            q.kind = .openai
            q.baseURL = upstreamURL + "/v1"
            q.apiKeyEnv = nil
            q.maxConcurrency = nil
            return q
        }
        cfg.keys = []
        self.config = cfg
        self.embedder = cfg.cache.semantic.enabled ? embedder : nil
        var index: [String: String?] = [:]
        for r in workload where index[r.text] == nil { index[r.text] = r.classID }
        self.textIndex = index
        self.logger = logger
        let v = self.embedder == nil ? nil
            : SemanticVerification.load(cfg.cache.semantic.verifier, modelDir: cfg.cache.semantic.modelDir, logger: logger)
        self.verification = memoize ? v.map { $0.withScorer(MemoPairScorer($0.verifier)) } : v
    }

    /// The curve a single run takes by default: the config's own (the verifier when it has one).
    public var configuredCurve: BenchCurve { verification != nil ? .verifier : .guarded }

    /// The curves a sweep runs: threshold alone, the guard, and the verifier when the config has one.
    public var sweepCurves: [BenchCurve] { verification != nil ? [.verifier, .guarded, .alone] : [.guarded, .alone] }

    /// The threshold at which a curve runs as the config would: on the verifier curve its gate (the
    /// configured threshold if one is set, else the candidate gate), otherwise the configured threshold.
    public func configuredThreshold(_ curve: BenchCurve) -> Double {
        guard curve == .verifier, let v = verification else { return configuredThreshold }
        return v.gate(config.cache.semantic.threshold(forModel: workloadModel))
    }

    var workloadModel: String { workload.first?.body["model"]?.stringValue ?? "" }

    /// The threshold a request of the workload gets when the bench sends none (the gateway's rule).
    public var configuredThreshold: Double {
        config.cache.semantic.threshold(forModel: workloadModel) ?? SemanticCache.defaultThreshold
    }

    /// The semantic layer is on (an embedder is available and the config enables it).
    public var semanticOn: Bool { embedder != nil }

    /// One run in this process, with a fresh LMDB cache in a temporary directory. A `threshold` is
    /// sent with every request (nil: the config's rule), so on the verifier curve it is the
    /// candidate gate, as in the gateway.
    public func run(threshold: Double?, curve: BenchCurve, upstream: BenchUpstream,
                    progress: (@Sendable (Int) -> Void)? = nil) async throws -> BenchRun {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try LMDBStore(directory: dir, mapSize: config.cache.maxBytes)
        if curve == .verifier && verification == nil { throw BenchError.noVerifier }
        let verifying = curve == .verifier ? verification : nil
        let semantic = embedder.map {
            SemanticCache(embedder: $0, store: store, maxTurns: config.cache.semantic.maxTurns,
                          guardrail: curve == .alone ? LookalikeGuard(checks: []) : LookalikeGuard(), logger: logger,
                          verification: verifying, skipUnreadable: config.cache.semantic.skipUnreadable)
        }
        semantic?.probe.startRecording()
        let gateway = Gateway(config: config, store: store, semantic: semantic, logger: logger)
        var headers: HTTPFields = [.contentType: "application/json"]
        if let threshold { headers[BenchRunner.thresholdHeader] = String(threshold) }
        let callsBefore = upstream.requests
        let started = ContinuousClock.now
        var scorer = Scorer()
        var outcomes: [BenchOutcome] = []
        outcomes.reserveCapacity(workload.count)
        for (i, r) in workload.enumerated() {
            let body = ByteBuffer(bytes: r.body.jsonBytes)
            let before = semantic?.probe.take()
            let t0 = ContinuousClock.now
            let response = await gateway.chat(body: body, headers: headers, requestID: "bench-\(r.line)")
            let nanos = SemanticProbe.nanos(ContinuousClock.now - t0)
            var o = scorer.score(r, status: response.status.code, cache: response.headers[GatewayResponse.Header.cache],
                                 body: Array(response.body.readableBytesView), similarity: response.headers[GatewayResponse.Header.similarity],
                                 saved: response.headers[GatewayResponse.Header.saved], cost: response.headers[GatewayResponse.Header.cost], nanos: nanos)
            if let before, let after = semantic?.probe.take() {
                o.embedNanos = after.embedNanos - before.embedNanos
                o.lookupNanos = after.lookupNanos - before.lookupNanos
                if o.path != .exact && o.path != .semantic, let nearest = after.nearest {
                    o.nearestSimilarity = nearest.similarity
                    o.nearestPrompt = nearest.cachedPrompt
                }
                for refusal in after.refused {
                    var same: Bool?
                    if let q = r.classID, let c = textIndex[refusal.cachedPrompt] ?? nil { same = q == c }
                    o.refusals.append(BenchRefusal(cachedPrompt: refusal.cachedPrompt, similarity: refusal.similarity, check: refusal.check, sameClass: same))
                }
            }
            outcomes.append(o)
            if let progress, (i + 1) % 1000 == 0 { progress(i + 1) }
        }
        let wall = ContinuousClock.now - started
        return BenchRun(threshold: threshold ?? configuredThreshold(curve), curve: curve, outcomes: outcomes, upstreamCalls: upstream.requests - callsBefore,
                        wallSeconds: Double(SemanticProbe.nanos(wall)) / 1e9, target: "in process")
    }

    /// One run against a running gateway over HTTP. Its cache is purged first (`POST
    /// /admin/cache/purge`, with `adminKey` when it has keys); its upstream must be
    /// `tollgate bench upstream` on the same workload, or answers cannot be scored.
    public static func runHTTP(workload: [BenchRequest], url: String, threshold: Double?, apiKey: String?, adminKey: String?,
                               logger: Logger, progress: (@Sendable (Int) -> Void)? = nil) async throws -> BenchRun {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        var auth: [(String, String)] = []
        if let adminKey { auth.append(("Authorization", "Bearer \(adminKey)")) }
        let purge = try await CurlClient.shared.send(UpstreamHTTPRequest(url: base + "/admin/cache/purge", headers: [("Content-Type", "application/json")] + auth,
                                                                         body: Array(#"{"all": true}"#.utf8)))
        if purge.status != 200 {
            logger.warning("bench: could not purge the gateway's cache (HTTP \(purge.status)); the run does not start from an empty cache")
        }
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        if let threshold { headers.append(("x-tollgate-threshold", String(threshold))) }
        var scorer = Scorer()
        var outcomes: [BenchOutcome] = []
        let started = ContinuousClock.now
        for (i, r) in workload.enumerated() {
            let t0 = ContinuousClock.now
            let response = try await CurlClient.shared.send(UpstreamHTTPRequest(url: base + "/v1/chat/completions", headers: headers, body: r.body.jsonBytes))
            let nanos = SemanticProbe.nanos(ContinuousClock.now - t0)
            outcomes.append(scorer.score(r, status: response.status, cache: response.headers["x-tollgate-cache"], body: response.body,
                                         similarity: response.headers["x-tollgate-similarity"], saved: response.headers["x-tollgate-saved-usd"],
                                         cost: response.headers["x-tollgate-cost-usd"], nanos: nanos))
            if let progress, (i + 1) % 1000 == 0 { progress(i + 1) }
        }
        let wall = ContinuousClock.now - started
        return BenchRun(threshold: threshold ?? SemanticCache.defaultThreshold, curve: .gateway, outcomes: outcomes, upstreamCalls: nil,
                        wallSeconds: Double(SemanticProbe.nanos(wall)) / 1e9, target: base)
    }
}

/// Why a bench run cannot start.
public enum BenchError: Error, CustomStringConvertible {
    case noVerifier

    public var description: String {
        switch self {
        case .noVerifier: return "the verifier curve needs the config's verifier (cache.semantic.verifier), which is off or could not be loaded"
        }
    }
}

/// Scores answers in workload order, tracking which classes the cache holds.
struct Scorer {
    var cached: Set<String> = []

    mutating func score(_ r: BenchRequest, status: Int, cache: String?, body: [UInt8], similarity: String?, saved: String?, cost: String?,
                        nanos: Int64) -> BenchOutcome {
        let path: BenchOutcome.Path
        switch (status, cache) {
        case (200, "hit"?): path = .exact
        case (200, "semantic-hit"?): path = .semantic
        case (200, "bypass"?): path = .bypass
        case (200, _): path = .miss
        default: path = .error
        }
        let served = status == 200 ? BenchUpstream.parse(body: body) : nil
        let achievable = r.classID.map { cached.contains($0) } ?? false
        // A miss (or bypass) stores its answer: from now on the cache holds that class.
        if path == .miss || path == .bypass, let c = served?.classID { cached.insert(c) }
        return BenchOutcome(line: r.line, path: path, status: status, queryClass: r.classID, servedClass: served?.classID, servedLine: served?.line ?? nil,
                            similarity: similarity.flatMap(Double.init), achievable: achievable, savedUSD: saved.flatMap(Double.init) ?? 0,
                            costUSD: cost.flatMap(Double.init) ?? 0, nanos: nanos)
    }
}
