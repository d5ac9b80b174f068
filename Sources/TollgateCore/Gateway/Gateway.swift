import Foundation
import HTTPTypes
import Logging
import NIOCore

/// The request path, stage by stage: auth → cache directives → exact cache (raw-body alias, then
/// canonical key) → router and providers → write back → respond with the contract's headers.
public final class Gateway: Sendable {
    public let config: GatewayConfig
    public let exact: ExactCache
    public let router: ProviderRouter
    public let auth: Auth
    /// The semantic layer; nil when it is off or has no embedder.
    public let semantic: SemanticCache?
    /// Offline mode: answers come from these fixtures and no provider is ever called.
    public let offline: FixtureSet?
    /// Record mode: every upstream exchange is also written here.
    public let recorder: FixtureRecorder?
    /// The cache shared with other nodes through PostgreSQL; nil on a single node.
    public let shared: SharedTier?
    let clients: [String: any ProviderClient]
    let flights = SingleFlight()
    let limits = KeyLimits()
    let stats = TenantStats()
    let logger: Logger

    static let chatEndpoint = "/v1/chat/completions"

    public init(config: GatewayConfig, store: any CacheStore, semantic: SemanticCache? = nil, offline: FixtureSet? = nil,
                recorder: FixtureRecorder? = nil, shared: SharedTier? = nil, curl: CurlClient = .shared, logger: Logger = Logger(label: "tollgate")) {
        self.config = config
        self.shared = shared
        self.semantic = semantic
        self.offline = offline
        self.recorder = recorder
        self.exact = ExactCache(store: store, logger: logger)
        self.router = ProviderRouter(providers: config.providers, expectedOutputTokens: config.routing.expectedOutputTokens, strategy: config.routing.strategy,
                                     breakerFailures: config.routing.breakerFailures, breakerCooldownSeconds: config.routing.breakerCooldownSeconds, logger: logger)
        self.auth = Auth(keys: config.keys)
        var clients: [String: any ProviderClient] = [:]
        for p in config.providers { clients[p.name] = makeProviderClient(p, limits: config.limits, curl: curl) }
        self.clients = clients
        self.logger = logger
    }

    /// Handles `POST /v1/chat/completions`. Never throws: every failure is an OpenAI-shaped response.
    public func chat(body: ByteBuffer, headers: HTTPFields, requestID: String) async -> GatewayResponse {
        var response: GatewayResponse
        do {
            response = try await chatPath(body: body, headers: headers, requestID: requestID)
        } catch {
            response = .error(error, requestID: requestID)
        }
        response.headers[GatewayResponse.Header.requestID] = requestID
        if response.status != .unauthorized, let tenant = try? auth.tenant(for: headers) { stats.record(tenant: tenant, response: response) }
        return response
    }

    private func chatPath(body: ByteBuffer, headers: HTTPFields, requestID: String) async throws(GatewayError) -> GatewayResponse {
        let caller = try auth.caller(for: headers)
        let tenant = caller.tenant
        if let key = caller.key, let id = caller.keyID { try limits.admitRequest(key, id: id) }
        let directives = try CacheDirectives(headers: headers)
        let freshness = Freshness(ttlSeconds: config.cache.ttlSeconds, maxAgeSeconds: directives.maxAge)

        // 1. Exact cache, fast path: the raw body's hash names a body seen before; no JSON parse.
        let rawKey = CacheKey.raw(endpoint: Gateway.chatEndpoint, tenant: tenant, body: body.readableBytesView)
        if directives.lookup, let target = exact.resolveAlias(rawKey), let entry = exact.lookup(target.key, freshness: freshness) {
            return target.stream ? replay(entry, includeUsage: target.includeUsage) : hit(entry)
        }

        // 2. Parse and validate; unknown models are a 404 before anything else.
        let request = try ChatRequest(body: body.readableBytesView, maxMessages: config.limits.maxMessages)
        // Offline, any model a fixture has is served; online, only configured ones.
        guard offline != nil || router.serves(request.model) else { throw .modelNotFound(request.model) }

        // 3. Exact cache by canonical key (another spelling of the same request).
        let canonical = request.canonicalBytes
        let key = CacheKey.exact(endpoint: Gateway.chatEndpoint, tenant: tenant, canonical: canonical)
        let target = AliasTarget(key: key, stream: request.stream, includeUsage: request.includeUsage)
        if directives.lookup, let entry = exact.lookup(key, freshness: freshness) {
            if directives.store { await exact.addAlias(rawKey, target) }
            return request.stream ? replay(entry, includeUsage: request.includeUsage) : hit(entry)
        }
        // 3b. The shared tier (other nodes' answers), when LMDB does not have the key yet.
        if directives.lookup, let shared, let entry = await shared.lookup(key: key, tenant: tenant, freshness: freshness) {
            if directives.store { await exact.addAlias(rawKey, target) }
            return request.stream ? replay(entry, includeUsage: request.includeUsage) : hit(entry)
        }
        // 4. Semantic cache: the same question in other words, in the same namespace.
        var prompt: SemanticPrompt?
        if directives.mode == .semantic, let semantic, let p = await semantic.prompt(endpoint: Gateway.chatEndpoint, tenant: tenant, request: request) {
            prompt = p
            if directives.lookup {
                let found = semantic.lookup(p, threshold: threshold(for: request, directives: directives))
                for g in found.guarded {
                    Observability.guarded()
                    logger.debug("semantic candidate blocked by the guard", metadata: ["request_id": "\(requestID)", "similarity": "\(g.similarity)", "reason": "\(g.reason)"])
                }
                if let match = found.match, let entry = exact.lookup(match.key, freshness: freshness) {
                    var response = request.stream ? replay(entry, includeUsage: request.includeUsage) : hit(entry)
                    // The index can hold this very request (another node's answer arrived after
                    // the exact lookups): that is an exact hit.
                    if match.key != key {
                        response.headers[GatewayResponse.Header.cache] = "semantic-hit"
                        response.headers[GatewayResponse.Header.similarity] = String(format: "%.4f", match.similarity)
                    }
                    return response
                }
            }
        }

        // Offline: the fixtures stand in for the providers; nothing leaves the machine.
        if let offline {
            return try serveFixture(offline, request: request, key: key, prompt: prompt, directives: directives)
        }

        // Upstream usage limits (tokens per minute, USD per day) apply only to calls that cost.
        let estimate = request.estimatedPromptTokens + (request.maxTokens.map { min($0, config.routing.expectedOutputTokens) } ?? config.routing.expectedOutputTokens)
        if let key = caller.key, let id = caller.keyID { try limits.admitUpstream(key, id: id, estimatedTokens: estimate) }
        let settle: @Sendable (Int, Double) -> Void = { [limits] tokens, cost in
            if let key = caller.key, let id = caller.keyID { limits.settle(key, id: id, estimatedTokens: estimate, actualTokens: tokens, costUSD: cost) }
        }

        if request.stream {
            return try await streamMiss(request, tenant: tenant, canonical: canonical, key: key, alias: (rawKey, target), prompt: prompt, directives: directives, requestID: requestID, settle: settle)
        }

        // 5. Upstream: cheapest capable provider, fallback on failure. Identical concurrent
        //    misses wait for the first one's answer instead of paying for their own.
        if directives.lookup {
            guard await flights.join(key) else {
                if let entry = exact.lookup(key, freshness: freshness) { settle(0, 0); return hit(entry) }
                return try await upstream(request, tenant: tenant, canonical: canonical, key: key, rawKey: rawKey, target: target, prompt: prompt, directives: directives, requestID: requestID, settle: settle)
            }
            defer { flights.finish(key) }
            // Across nodes: the first node to claim the key calls upstream; the others wait for its answer.
            if let shared, let entry = await shared.awaitOtherNode(key: key, tenant: tenant, freshness: freshness) {
                settle(0, 0)
                if directives.store { await exact.addAlias(rawKey, target) }
                return hit(entry)
            }
            do {
                return try await upstream(request, tenant: tenant, canonical: canonical, key: key, rawKey: rawKey, target: target, prompt: prompt, directives: directives, requestID: requestID, settle: settle)
            } catch {
                shared?.release(key: key)  // waiting nodes go on at once
                throw error
            }
        }
        return try await upstream(request, tenant: tenant, canonical: canonical, key: key, rawKey: rawKey, target: target, prompt: prompt, directives: directives, requestID: requestID, settle: settle)
    }

    /// Calls the providers and writes the answer back to both layers.
    private func upstream(_ request: ChatRequest, tenant: String, canonical: [UInt8], key: CacheKey, rawKey: CacheKey, target: AliasTarget, prompt: SemanticPrompt?,
                          directives: CacheDirectives, requestID: String, settle: @Sendable (Int, Double) -> Void) async throws(GatewayError) -> GatewayResponse {
        let clients = self.clients
        let started = ContinuousClock.now
        let candidate: Candidate
        let answer: UpstreamAnswer
        do {
            (candidate, answer) = try await router.route(request, requestID: requestID) { c throws(UpstreamFailure) in
                try await clients[c.provider.name]!.complete(request, model: c.model)
            }
        } catch {
            settle(0, 0)
            throw error
        }
        let cost = Money.cost(promptTokens: answer.promptTokens, completionTokens: answer.completionTokens,
                              inputPerMTok: candidate.model.inputUSDPerMTok, outputPerMTok: candidate.model.outputUSDPerMTok)
        settle(answer.promptTokens + answer.completionTokens, cost)
        let elapsed = ContinuousClock.now - started
        Observability.upstream(provider: candidate.provider.name, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                               promptTokens: answer.promptTokens, completionTokens: answer.completionTokens, costUSD: cost)
        let bytes = ByteBuffer(bytes: answer.body.jsonBytes)

        // 6. Write back to both layers (complete answers only: providers reject incomplete ones)
        //    before answering, so an acknowledged answer is in the cache.
        if directives.store {
            let entry = CacheEntry(createdMs: ExactCache.nowMs(), costUSD: cost, promptTokens: answer.promptTokens, completionTokens: answer.completionTokens,
                                   provider: candidate.provider.name, model: answer.model, tenant: tenant, request: canonical, body: bytes)
            await writeBack(entry, key: key, alias: (rawKey, target), prompt: prompt)
        }
        recorder?.record(Fixture(recordedAt: Date(), tenant: tenant, request: request.body, provider: candidate.provider.name,
                                 providerKind: candidate.provider.kind.rawValue, model: answer.model, response: answer.body,
                                 promptTokens: answer.promptTokens, completionTokens: answer.completionTokens, costUSD: cost, stream: false))
        logger.debug("upstream answer", metadata: ["request_id": "\(requestID)", "provider": "\(candidate.provider.name)", "model": "\(candidate.model.upstream)",
                                                   "cost_usd": "\(Money.format(cost))", "prompt_tokens": "\(answer.promptTokens)", "completion_tokens": "\(answer.completionTokens)"])
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[GatewayResponse.Header.cache] = directives.lookup ? "miss" : "bypass"
        headers[GatewayResponse.Header.provider] = candidate.provider.name
        headers[GatewayResponse.Header.cost] = Money.format(cost)
        return GatewayResponse(headers: headers, body: bytes)
    }

    /// Writes a fresh, complete answer to LMDB in one commit — the entry, its alias, its vector
    /// row and, with a shared tier, its outbox mark — then indexes the vector and wakes the
    /// shared tier's writer.
    func writeBack(_ entry: CacheEntry, key: CacheKey, alias: (CacheKey, AliasTarget)?, prompt: SemanticPrompt?) async {
        var also: [CacheWrite] = []
        if let prompt, let semantic { also.append(semantic.persist(prompt, key: key)) }
        if let shared { also.append(shared.outboxMark(key)) }
        guard await exact.store(entry, key: key, alias: alias, also: also) else { return }
        if let prompt, let semantic { semantic.index(prompt, key: key) }
        shared?.wake()
    }

    /// Answers from a fixture (exact, then semantic) or a 503 that says how to record one.
    func serveFixture(_ fixtures: FixtureSet, request: ChatRequest, key: CacheKey, prompt: SemanticPrompt?,
                      directives: CacheDirectives) throws(GatewayError) -> GatewayResponse {
        if let entry = fixtures.exact.lookup(key, freshness: FixtureSet.freshness) {
            return request.stream ? replay(entry, includeUsage: request.includeUsage) : hit(entry)
        }
        if let prompt, let semantic = fixtures.semantic {
            let found = semantic.lookup(prompt, threshold: threshold(for: request, directives: directives))
            if let match = found.match, let entry = fixtures.exact.lookup(match.key, freshness: FixtureSet.freshness) {
                var response = request.stream ? replay(entry, includeUsage: request.includeUsage) : hit(entry)
                response.headers[GatewayResponse.Header.cache] = "semantic-hit"
                response.headers[GatewayResponse.Header.similarity] = String(format: "%.4f", match.similarity)
                return response
            }
        }
        throw .unavailable("Offline mode: no fixture answers this request (canonical key \(key)). Record one by running `tollgate serve --record DIR` "
                           + "against a real provider and sending this request, then start with `--offline --fixtures DIR`.", code: "offline_no_fixture")
    }

    /// The similarity threshold: the request's header, else the strictest configured for the
    /// model, else `cache.semantic.threshold`, else the tuned default.
    func threshold(for request: ChatRequest, directives: CacheDirectives) -> Double {
        if let t = directives.threshold { return t }
        let perModel = config.providers.flatMap(\.models).filter { $0.name == request.model }.compactMap(\.threshold).max()
        return perModel ?? config.cache.semantic.threshold ?? SemanticCache.defaultThreshold
    }

    /// Refreshes the cache-size gauges (on each `/metrics` read).
    public func refreshCacheMetrics() {
        let entries = (try? exact.store.count(.entries)) ?? 0
        let vectors = (try? exact.store.count(.vectors)) ?? 0
        Observability.cacheSize(entries: entries, vectors: vectors, bytes: (exact.store as? LMDBStore)?.usedBytes() ?? 0)
        if shared != nil { Observability.sharedOutbox((try? exact.store.count(.outbox)) ?? 0) }
    }

    /// A response served from the exact cache: costs nothing, reports what it saved.
    func hit(_ entry: CacheEntry) -> GatewayResponse {
        GatewayResponse(headers: hitHeaders(entry, contentType: "application/json"), body: entry.body)
    }

    func hitHeaders(_ entry: CacheEntry, contentType: String) -> HTTPFields {
        Observability.saved(entry.costUSD)
        var headers: HTTPFields = [.contentType: contentType]
        headers.reserveCapacity(8)
        headers[GatewayResponse.Header.cache] = "hit"
        headers[GatewayResponse.Header.provider] = entry.provider
        headers[GatewayResponse.Header.cost] = "0.000000"
        headers[GatewayResponse.Header.saved] = Money.format(entry.costUSD)
        headers[GatewayResponse.Header.age] = String(max(0, (ExactCache.nowMs() - entry.createdMs) / 1000))
        return headers
    }

    /// `GET /v1/models`: every model name in the config, and `auto`.
    public func models() -> GatewayResponse {
        let data: [JSONValue] = router.modelNames.map { name in
            let owners = config.providers.filter { p in p.models.contains { $0.name == name } }.map(\.name)
            return ["id": .string(name), "object": "model", "created": 0, "owned_by": .string(owners.isEmpty ? "tollgate" : owners.joined(separator: ","))]
        }
        return .json(["object": "list", "data": .array(data)])
    }
}
