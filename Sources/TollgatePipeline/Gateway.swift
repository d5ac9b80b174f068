import Foundation
import HTTPTypes
import Logging
import NIOCore
import TollgateBase
import TollgateHTTPClient
import TollgateExactCache
import TollgateSemantic
import TollgateProviders
import TollgateRouting
import TollgateShared
import TollgateFixtures
import TollgateDialects
import Tracing

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
    /// The HTTP client every upstream call goes through (injected, so tests can use their own).
    let curl: CurlClient
    let flights = SingleFlight()
    /// Per-key request, token and spend limits (not `config.limits`: sizes and timeouts).
    let keyLimits = KeyLimits()
    let stats = TenantStats()
    /// Per-minute aggregates for `GET /admin/timeseries` (persisted in the store).
    public let timeseries: TimeSeries
    /// Recent semantic hits for `GET /admin/review` (persisted in the store).
    public let review: ReviewQueue
    package let logger: Logger

    static let chatEndpoint = "/v1/chat/completions"

    public init(config: GatewayConfig, store: any CacheStore, semantic: SemanticCache? = nil, offline: FixtureSet? = nil,
                recorder: FixtureRecorder? = nil, shared: SharedTier? = nil, curl: CurlClient = .shared, logger: Logger = Logger(label: "tollgate")) {
        self.config = config
        self.shared = shared
        self.semantic = semantic
        self.offline = offline
        self.recorder = recorder
        self.exact = ExactCache(store: store, logger: logger)
        self.timeseries = TimeSeries(store: store, windowMinutes: config.observability.timeseriesMinutes)
        self.review = ReviewQueue(store: store, capacity: config.observability.reviewSize)
        self.router = ProviderRouter(providers: config.providers, expectedOutputTokens: config.routing.expectedOutputTokens, strategy: config.routing.strategy,
                                     breakerFailures: config.routing.breakerFailures, breakerCooldownSeconds: config.routing.breakerCooldownSeconds, logger: logger)
        self.auth = Auth(keys: config.keys)
        var clients: [String: any ProviderClient] = [:]
        for p in config.providers { clients[p.name] = makeProviderClient(p, limits: config.limits, curl: curl) }
        self.clients = clients
        self.curl = curl
        self.logger = logger
    }

    /// The OpenAI chat completions dialect with this gateway's limits.
    public var chatDialect: ChatCompletionsDialect { ChatCompletionsDialect(maxMessages: config.limits.maxMessages) }
    /// The Anthropic Messages dialect.
    public var messagesDialect: MessagesDialect { MessagesDialect(maxMessages: config.limits.maxMessages) }
    /// The OpenAI Responses dialect (responses stored in this gateway's LMDB).
    public var responsesDialect: ResponsesDialect { ResponsesDialect(store: ResponseStore(store: exact.store), maxMessages: config.limits.maxMessages) }

    /// `POST /v1/messages/count_tokens`: the key is checked like any request; Anthropic's shapes.
    public func countTokens(body: ByteBuffer, headers: HTTPFields, requestID: String) -> GatewayResponse {
        do {
            _ = try auth.caller(for: headers)
            return .json(try MessagesDialect.countTokens(body))
        } catch {
            return messagesDialect.errorResponse(error, requestID: requestID)
        }
    }

    /// `GET /v1/responses/{id}`: a stored response of the caller's tenant.
    public func retrieveResponse(id: String, headers: HTTPFields) -> GatewayResponse {
        do {
            let tenant = try auth.tenant(for: headers)
            return .json(try responsesDialect.retrieve(id: id, tenant: tenant))
        } catch {
            return .error(error)
        }
    }

    /// Handles `POST /v1/chat/completions`. Never throws: every failure is an OpenAI-shaped response.
    public func chat(body: ByteBuffer, headers: HTTPFields, requestID: String) async -> GatewayResponse {
        await handle(chatDialect, body: body, headers: headers, requestID: requestID)
    }

    /// Handles one request of any dialect through the one pipeline. Never throws: every failure
    /// is an error response in the dialect's shape.
    public func handle(_ dialect: any Dialect, body: ByteBuffer, headers: HTTPFields, requestID: String) async -> GatewayResponse {
        guard AccessRecord.current != nil else {  // called in-process, not through the server
            return await AccessRecord.$current.withValue(AccessRecord(requestID: requestID)) { await handle(dialect, body: body, headers: headers, requestID: requestID) }
        }
        let started = ContinuousClock.now
        var response: GatewayResponse
        // The caller is identified once (one key hash a request); a 401 is not in the stats.
        let caller: Auth.Caller
        do { caller = try auth.caller(for: headers) } catch { return dialect.errorResponse(error, requestID: requestID) }
        do {
            response = try await pipeline(dialect, caller: caller, body: body, headers: headers, requestID: requestID)
        } catch {
            response = dialect.errorResponse(error, requestID: requestID)
            if error.code == GatewayError.offlineNoFixture { response.markOfflineMiss() }
        }
        return settle(response, caller: caller, requestID: requestID, since: started)
    }

    /// The last step of every answer: its request id, and (unless it is a 401) the per-tenant stats
    /// and the time series.
    func settle(_ response: GatewayResponse, caller: Auth.Caller, requestID: String, since started: ContinuousClock.Instant) -> GatewayResponse {
        var response = response
        response.headers[GatewayResponse.Header.requestID] = requestID
        if response.status != .unauthorized {
            stats.record(tenant: caller.tenant, model: AccessRecord.current?.fields.model, response: response)
            record(response, since: started)  // the time series counts what /admin/stats counts
        }
        return response
    }

    private func pipeline(_ dialect: any Dialect, caller: Auth.Caller, body: ByteBuffer, headers: HTTPFields, requestID: String) async throws(GatewayError) -> GatewayResponse {
        let tenant = caller.tenant
        if let key = caller.key, let id = caller.keyID { try keyLimits.admitRequest(key, id: id) }
        try Gateway.requireIdentityEncoding(headers)
        let directives = try CacheDirectives(headers: headers)
        let freshness = Freshness(ttlSeconds: config.cache.ttlSeconds, maxAgeSeconds: directives.maxAge)

        // 1. Exact cache, fast path: the raw body's hash names a body seen before; no JSON parse.
        let rawKey = CacheKey.raw(endpoint: dialect.endpoint, tenant: tenant, body: body.readableBytesView)
        if let (target, entry) = aliasHit(dialect, rawKey: rawKey, directives: directives, freshness: freshness) {
            return await answer(entry, dialect: dialect, request: nil, stream: target.stream, includeUsage: target.includeUsage, tenant: tenant)
        }

        // 2. Parse and validate (the dialect's ingress adapter); unknown models are a 404 before anything else.
        let request = try await dialect.parse(body, tenant: tenant)
        AccessRecord.current?.set(model: request.model)
        // Offline, any model a fixture has is served; online, only configured chat models.
        guard offline != nil || router.serves(request.model) else { throw .modelNotFound(request.model) }
        // A prompt no candidate can take (context window, capabilities) is a 400 now, before
        // any lookup, embedding or guard work is spent on it.
        if offline == nil { _ = try router.admissible(request) }
        var ex = Exchange(dialect: dialect, request: request, caller: caller, directives: directives, freshness: freshness, requestID: requestID,
                          key: CacheKey.exact(endpoint: Gateway.chatEndpoint, tenant: tenant, canonical: request.canonicalBytes),
                          rawKey: rawKey, canonical: request.canonicalBytes)

        // 3. Exact cache by canonical key (another spelling, or another dialect, of the same request).
        if directives.lookup, let entry = exact.lookup(ex.key, freshness: freshness) {
            if directives.store { await exact.addAlias(rawKey, ex.target) }
            return await answer(entry, ex)
        }
        // 3b. The shared tier (other nodes' answers), when LMDB does not have the key yet.
        if directives.lookup, let shared, let entry = await shared.lookup(key: ex.key, tenant: tenant, freshness: freshness) {
            if directives.store { await exact.addAlias(rawKey, ex.target) }
            return await answer(entry, ex)
        }
        // 4. Semantic cache: the same question in other words, in the same namespace.
        if directives.mode == .semantic, let semantic, let p = await semantic.prompt(endpoint: Gateway.chatEndpoint, tenant: tenant, request: request) {
            ex.prompt = p
            if directives.lookup {
                let found = semantic.lookup(p, threshold: threshold(for: request, directives: directives))
                let served = found.match.flatMap { exact.lookup($0.key, freshness: freshness) }
                noteLookup(found, served: served != nil)
                for g in found.guarded {
                    Observability.guarded(check: g.check)
                    logger.debug("semantic candidate blocked by the guard", metadata: ["request_id": "\(requestID)", "similarity": .stringConvertible(LogNumber(Double(g.similarity), decimals: 4)), "check": "\(g.check)"])
                }
                if let match = found.match, let entry = served {
                    var response = await answer(entry, ex)
                    // The index can hold this very request (another node's answer arrived after
                    // the exact lookups): that is an exact hit.
                    if match.key != ex.key {
                        response.markSemantic(match.similarity)
                        noteSemanticHit(match, ex, source: "cache")
                    }
                    return response
                }
            }
        }

        // Offline: the fixtures stand in for the providers; nothing leaves the machine.
        if let offline {
            return try await serveFixture(offline, ex)
        }

        // Upstream usage limits (tokens per minute, USD per day) apply only to calls that cost.
        let estimate = request.estimatedPromptTokens + (request.maxTokens.map { min($0, config.routing.expectedOutputTokens) } ?? config.routing.expectedOutputTokens)
        // The dollars reserved against `usd_per_day`: the cheapest candidate's estimate (routing tries it first).
        let estimatedUSD = caller.key?.usdPerDay == nil ? 0 : ((try? router.candidates(for: request))?.map(\.estimatedCostUSD).min() ?? 0)
        if let key = caller.key, let id = caller.keyID { try keyLimits.admitUpstream(key, id: id, estimatedTokens: estimate, estimatedUSD: estimatedUSD) }
        ex.settle = { [keyLimits] tokens, cost in
            if let key = caller.key, let id = caller.keyID {
                keyLimits.settle(key, id: id, estimatedTokens: estimate, estimatedUSD: estimatedUSD, actualTokens: tokens, costUSD: cost)
            }
        }

        // 5. Upstream: cheapest capable provider, fallback on failure. Identical concurrent
        //    misses — JSON or streamed — wait for the first one's answer instead of paying for
        //    their own (a streamed follower gets the leader's answer replayed).
        guard directives.lookup else { return try await request.stream ? streamMiss(ex) : upstream(ex) }
        guard await flights.join(ex.key) else {
            if let entry = exact.lookup(ex.key, freshness: freshness) { ex.settle(0, 0); return await answer(entry, ex) }
            return try await request.stream ? streamMiss(ex) : upstream(ex)
        }
        // Across nodes: the first node to claim the key calls upstream; the others wait for its answer.
        if let shared, let entry = await shared.awaitOtherNode(key: ex.key, tenant: tenant, freshness: freshness) {
            flights.finish(ex.key)
            ex.settle(0, 0)
            if directives.store { await exact.addAlias(rawKey, ex.target) }
            return await answer(entry, ex)
        }
        // The flight ends when the answer is stored or failed: at once for JSON, at the end of a stream.
        let end: @Sendable (Bool) -> Void = { [flights, shared, key = ex.key] stored in
            if !stored { shared?.release(key: key) }  // waiting nodes go on at once
            flights.finish(key)
        }
        do {
            if request.stream { return try await streamMiss(ex, end: end) }
            let response = try await upstream(ex)
            end(true)
            return response
        } catch {
            end(false)
            throw error
        }
    }

    /// Calls the providers and writes the answer back to both layers.
    private func upstream(_ ex: Exchange) async throws(GatewayError) -> GatewayResponse {
        let clients = self.clients
        let request = ex.request
        let started = ContinuousClock.now
        let candidate: Candidate
        let answer: UpstreamAnswer
        do {
            (candidate, answer) = try await router.route(request, requestID: ex.requestID) { c throws(UpstreamFailure) in
                try await clients[c.provider.name]!.complete(request, model: c.model)
            }
        } catch {
            ex.settle(0, 0)
            throw error
        }
        let cost = Money.cost(answer.usage, model: candidate.model, kind: candidate.provider.kind)
        ex.settle(answer.promptTokens + answer.completionTokens, cost)
        let elapsed = ContinuousClock.now - started
        Observability.upstream(provider: candidate.provider.name, model: candidate.model.name, tenant: ex.tenant, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                               promptTokens: answer.promptTokens, completionTokens: answer.completionTokens, costUSD: cost)
        let bytes = ByteBuffer(bytes: answer.body.jsonBytes)

        // 6. Write back to both layers (complete answers only: providers reject incomplete ones)
        //    before answering, so an acknowledged answer is in the cache.
        if ex.directives.store {
            let entry = CacheEntry(createdMs: ExactCache.nowMs(), costUSD: cost, promptTokens: answer.promptTokens, completionTokens: answer.completionTokens,
                                   provider: candidate.provider.name, model: answer.model, tenant: ex.tenant, request: ex.canonical, body: bytes)
            await writeBack(entry, key: ex.key, alias: ex.alias, prompt: ex.prompt)
        }
        recorder?.record(Fixture(recordedAt: Date(), tenant: ex.tenant, request: request.body, provider: candidate.provider.name,
                                 providerKind: candidate.provider.kind.rawValue, model: answer.model, response: answer.body,
                                 promptTokens: answer.promptTokens, completionTokens: answer.completionTokens, costUSD: cost, stream: false))
        logger.debug("upstream answer", metadata: ["request_id": "\(ex.requestID)", "provider": "\(candidate.provider.name)", "model": "\(candidate.model.upstream)",
                                                   "cost_usd": "\(Money.format(cost))", "prompt_tokens": "\(answer.promptTokens)", "completion_tokens": "\(answer.completionTokens)"])
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[GatewayResponse.Header.cache] = ex.directives.lookup ? "miss" : "bypass"
        headers[GatewayResponse.Header.provider] = candidate.provider.name
        headers[GatewayResponse.Header.cost] = Money.format(cost)
        let rendered = await ex.dialect.render(answer.body, bytes: bytes, request: request, tenant: ex.tenant)
        return GatewayResponse(headers: headers, body: rendered)
    }

    /// Writes a fresh, complete answer to LMDB in one commit — the entry, its alias, its vector
    /// row and, with a shared tier, its outbox mark — then indexes the vector and wakes the
    /// shared tier's writer.
    func writeBack(_ entry: CacheEntry, key: CacheKey, alias: (CacheKey, AliasTarget)?, prompt: SemanticPrompt?) async {
        await withSpan(StageSpan.writeBack) { span in
            span.attributes[StageSpan.Key.provider] = entry.provider
            await store(entry, key: key, alias: alias, prompt: prompt)
        }
    }

    private func store(_ entry: CacheEntry, key: CacheKey, alias: (CacheKey, AliasTarget)?, prompt: SemanticPrompt?) async {
        var also: [CacheWrite] = []
        if let prompt, let semantic { also.append(semantic.persist(prompt, key: key)) }
        if let shared { also.append(shared.outboxMark(key)) }
        guard await exact.store(entry, key: key, alias: alias, also: also) else { return }
        if let prompt, let semantic { semantic.index(prompt, key: key) }
        shared?.wake()
    }

    /// A compressed (or otherwise encoded) body is refused with a 415 that says so: the gateway
    /// reads JSON as sent, and would otherwise report it as malformed (or, for a plain body sent
    /// with a `Content-Encoding` header, read what the header says it is not).
    static func requireIdentityEncoding(_ headers: HTTPFields) throws(GatewayError) {
        guard let encoding = headers[.contentEncoding], encoding.trimmingCharacters(in: .whitespaces).lowercased() != "identity" else { return }
        throw GatewayError(status: .unsupportedMediaType,
                           message: "Content-Encoding `\(encoding.prefix(40))` is not supported: send the JSON body uncompressed.",
                           type: "invalid_request_error", code: "unsupported_content_encoding")
    }

    /// The similarity threshold that was set: the request's header, else
    /// `cache.semantic.thresholds[model]`, else `cache.semantic.threshold`; nil when none was (the
    /// semantic layer then takes its default: the verifier's candidate gate, or 0.93 without it).
    func threshold(for request: ChatRequest, directives: CacheDirectives) -> Double? {
        directives.threshold ?? config.cache.semantic.threshold(forModel: request.model)
    }

    /// Refreshes the cache-size gauges (on each `/metrics` read).
    public func refreshCacheMetrics() {
        let entries = (try? exact.store.count(.entries)) ?? 0
        let vectors = (try? exact.store.count(.vectors)) ?? 0
        Observability.cacheSize(entries: entries, vectors: vectors, bytes: (exact.store as? LMDBStore)?.usedBytes() ?? 0)
        if shared != nil { Observability.sharedOutbox((try? exact.store.count(.outbox)) ?? 0) }
    }

    /// A cached answer in the asking dialect, JSON or replayed as a stream: costs nothing,
    /// reports what it saved.
    func answer(_ entry: CacheEntry, _ ex: Exchange) async -> GatewayResponse {
        await answer(entry, dialect: ex.dialect, request: ex.request, stream: ex.request.stream, includeUsage: ex.request.includeUsage, tenant: ex.tenant)
    }

    func answer(_ entry: CacheEntry, dialect: any Dialect, request: ChatRequest?, stream: Bool, includeUsage: Bool, tenant: String) async -> GatewayResponse {
        AccessRecord.current?.setIfAbsent(model: entry.model)
        if stream { return await replay(entry, dialect: dialect, request: request, includeUsage: includeUsage, tenant: tenant) }
        if dialect is ChatCompletionsDialect { return GatewayResponse(headers: hitHeaders(entry, contentType: "application/json"), body: entry.body) }
        guard let completion = try? JSONValue.parse(entry.body.readableBytesView) else {
            return dialect.errorResponse(.badGateway("The cached answer could not be read.", code: "cache_corrupt"))
        }
        let body = await dialect.render(completion, bytes: entry.body, request: request, tenant: tenant)
        return GatewayResponse(headers: hitHeaders(entry, contentType: "application/json"), body: body)
    }

    /// A JSON answer served from the exact cache as stored (OpenAI shapes: chat, embeddings).
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
    public func models(headers: HTTPFields) -> GatewayResponse {
        do { _ = try auth.caller(for: headers) } catch { return .error(error) }
        return .json(["object": "list", "data": .array(router.modelNames.map(modelObject))])
    }

    /// `GET /v1/models/{id}`: one model, or a 404 `model_not_found`.
    public func model(_ id: String, headers: HTTPFields) -> GatewayResponse {
        do { _ = try auth.caller(for: headers) } catch { return .error(error) }
        guard router.modelNames.contains(id) else { return .error(.modelNotFound(id)) }
        return .json(modelObject(id))
    }

    func modelObject(_ name: String) -> JSONValue {
        let owners = config.providers.filter { p in p.models.contains { $0.name == name } }.map(\.name)
        return ["id": .string(name), "object": "model", "created": 0, "owned_by": .string(owners.isEmpty ? "tollgate" : owners.joined(separator: ","))]
    }
}
