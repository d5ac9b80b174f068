import Foundation
import HTTPTypes
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

extension Gateway {
    static let embeddingsEndpoint = "/v1/embeddings"
    /// Inputs of one `/v1/embeddings` request that join the embedder's queue together.
    static let embeddingChunk = 16
    /// The model name answered by the local embedder.
    public static let localEmbeddingModel = "all-MiniLM-L6-v2"

    /// OpenAI's limits on one embeddings request.
    public enum EmbeddingLimits {
        public static let inputs = 2048
        public static let tokensPerInput = 8192
        public static let tokensPerRequest = 300_000
    }

    /// `POST /v1/embeddings`: `all-MiniLM-L6-v2` is answered by the local model; other names go
    /// to the providers serving them (OpenAI-compatible `/embeddings`) through the router and the
    /// exact cache. Admission, key limits and stats are the same as for chat.
    public func embeddings(body: ByteBuffer, headers: HTTPFields, requestID: String) async -> GatewayResponse {
        guard AccessRecord.current != nil else {  // called in-process, not through the server
            return await AccessRecord.$current.withValue(AccessRecord(requestID: requestID)) { await embeddings(body: body, headers: headers, requestID: requestID) }
        }
        let started = ContinuousClock.now
        var response: GatewayResponse
        let caller: Auth.Caller
        do { caller = try auth.caller(for: headers) } catch { return .error(error, requestID: requestID) }
        do {
            response = try await embeddingsPath(caller: caller, body: body, headers: headers, requestID: requestID)
        } catch {
            response = .error(error, requestID: requestID)
            if error.code == GatewayError.offlineNoFixture { response.markOfflineMiss() }
        }
        response.headers[GatewayResponse.Header.requestID] = requestID
        if response.status != .unauthorized {
            stats.record(tenant: caller.tenant, model: AccessRecord.current?.fields.model, response: response)
            record(response, since: started)  // the time series counts what /admin/stats counts
        }
        return response
    }

    private func embeddingsPath(caller: Auth.Caller, body: ByteBuffer, headers: HTTPFields, requestID: String) async throws(GatewayError) -> GatewayResponse {
        if let key = caller.key, let id = caller.keyID { try keyLimits.admitRequest(key, id: id) }
        try Gateway.requireIdentityEncoding(headers)
        let directives = try CacheDirectives(headers: headers)
        let json: JSONValue
        do { json = try JSONValue.parse(body.readableBytesView) } catch {
            throw .invalidRequest("We could not parse the JSON body of your request (\(error)).", code: "invalid_json")
        }
        guard case .object = json else { throw .invalidRequest("The request body must be a JSON object.", code: "invalid_json") }
        guard let model = json["model"]?.stringValue, !model.isEmpty else {
            throw .invalidRequest("Missing required parameter: 'model'.", param: "model", code: "missing_required_parameter")
        }
        AccessRecord.current?.set(model: model)
        let inputs: [String]
        var estimated = 0
        switch json["input"] {
        case .string(let s)?: inputs = [s]
        case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }): inputs = items.compactMap(\.stringValue)
        case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.arrayValue != nil || $0.intValue != nil }):
            guard model != Gateway.localEmbeddingModel else {
                throw .invalidRequest("Token-id input is not supported by the local all-MiniLM-L6-v2 model; send text.", param: "input", code: "invalid_value")
            }
            inputs = []
            try Gateway.checkCount(items.count)
            estimated = items.reduce(0) { $0 + ($1.arrayValue?.count ?? 1) }
        case nil, .null?: throw .invalidRequest("Missing required parameter: 'input'.", param: "input", code: "missing_required_parameter")
        default: throw .invalidRequest("Invalid 'input': expected a string or a non-empty array of strings.", param: "input", code: "invalid_type")
        }
        // OpenAI refuses empty strings (an embedding of nothing); so does the gateway, before any work.
        if let i = inputs.firstIndex(where: \.isEmpty) {
            throw .invalidRequest("Invalid 'input\(json["input"]?.arrayValue == nil ? "" : "[\(i)]")': an empty string cannot be embedded.", param: "input", code: "invalid_value")
        }
        if let user = json["user"], !user.isNull, user.stringValue == nil {
            throw .invalidRequest("Invalid type for 'user': expected a string.", param: "user", code: "invalid_type")
        }
        let format = json["encoding_format"]?.stringValue ?? "float"
        guard format == "float" || format == "base64" else {
            throw .invalidRequest("Invalid 'encoding_format': expected 'float' or 'base64'.", param: "encoding_format", code: "invalid_value")
        }
        // Every text input is bounded before any model or upstream work (OpenAI's limits).
        var textTokens = 0
        if !inputs.isEmpty {
            try Gateway.checkCount(inputs.count)
            for (i, text) in inputs.enumerated() {
                let t = Tokens.estimate(text)
                guard t <= EmbeddingLimits.tokensPerInput else {
                    throw .invalidRequest("input[\(i)] is about \(t) tokens; the limit is \(EmbeddingLimits.tokensPerInput) tokens an input.", param: "input", code: "invalid_value")
                }
                textTokens += t
            }
            guard textTokens <= EmbeddingLimits.tokensPerRequest else {
                throw .invalidRequest("The inputs are about \(textTokens) tokens together; the limit is \(EmbeddingLimits.tokensPerRequest) tokens a request.", param: "input", code: "invalid_value")
            }
        }
        if !inputs.isEmpty { estimated = textTokens }
        if model == Gateway.localEmbeddingModel {
            return try await localEmbeddings(inputs, model: model, format: format, dimensions: json["dimensions"])
        }
        return try await upstreamEmbeddings(json, model: model, caller: caller, estimatedTokens: estimated, directives: directives, requestID: requestID)
    }

    static func checkCount(_ n: Int) throws(GatewayError) {
        guard n <= EmbeddingLimits.inputs else {
            throw .invalidRequest("'input' has \(n) items; the limit is \(EmbeddingLimits.inputs).", param: "input", code: "array_above_max_length")
        }
    }

    /// The local model, through the batching embedder a chunk of inputs at a time, so that other
    /// requests' prompts interleave with a large batch's chunks; stops when the client has gone
    /// (task cancelled).
    private func localEmbeddings(_ inputs: [String], model: String, format: String, dimensions: JSONValue?) async throws(GatewayError) -> GatewayResponse {
        guard let embedder = semantic?.embedder as? BatchingEmbedder else {
            throw .unavailable("The local all-MiniLM-L6-v2 model is not loaded; see the gateway's start-up log for how to fetch it, then restart.", code: "model_not_loaded")
        }
        if let d = dimensions?.intValue, d != embedder.dimension {
            throw .invalidRequest("all-MiniLM-L6-v2 gives \(embedder.dimension) dimensions; 'dimensions' cannot change that.", param: "dimensions", code: "invalid_value")
        }
        var tokens = 0
        var data: [JSONValue] = []
        data.reserveCapacity(inputs.count)
        var next = 0
        while next < inputs.count {
            if Task.isCancelled { throw GatewayError(status: .init(code: 499), message: "The client closed the request.", type: "invalid_request_error", code: "client_closed") }
            let chunk = inputs[next..<min(inputs.count, next + Gateway.embeddingChunk)]
            let ids = chunk.map { embedder.model.tokenize($0) }
            tokens += ids.reduce(0) { $0 + $1.count }
            for (j, v) in await embedder.embed(batch: ids).enumerated() {
                let value: JSONValue = format == "base64"
                    ? .string(v.withUnsafeBytes { Data($0).base64EncodedString() })
                    : .array(v.map { .number("\($0)") })
                data.append(["object": "embedding", "index": .int(next + j), "embedding": value])
            }
            next += chunk.count
        }
        var r = GatewayResponse.json(["object": "list", "data": .array(data), "model": .string(model),
                                      "usage": ["prompt_tokens": .int(tokens), "total_tokens": .int(tokens)]])
        r.headers[GatewayResponse.Header.cache] = "bypass"
        r.headers[GatewayResponse.Header.provider] = "local"
        r.headers[GatewayResponse.Header.cost] = "0.000000"
        return r
    }

    /// Embeddings from a provider, exact-cached like chat answers, through the router (breakers,
    /// health, `max_concurrency`) and the key's upstream limits.
    private func upstreamEmbeddings(_ json: JSONValue, model: String, caller: Auth.Caller, estimatedTokens: Int, directives: CacheDirectives,
                                    requestID: String) async throws(GatewayError) -> GatewayResponse {
        let ranked = try router.embeddingCandidates(model: model, estimatedTokens: estimatedTokens)
        guard offline == nil else {
            throw .offlineMiss("Offline mode: embeddings from `\(model)` need a provider (tenant `\(caller.tenant)`); use all-MiniLM-L6-v2 offline, "
                               + "or run `tollgate serve --config FILE` against one.")
        }
        let tenant = caller.tenant
        let key = CacheKey.exact(endpoint: Gateway.embeddingsEndpoint, tenant: tenant, body: json)
        let freshness = Freshness(ttlSeconds: config.cache.ttlSeconds, maxAgeSeconds: directives.maxAge)
        if directives.lookup, let entry = exact.lookup(key, freshness: freshness) { return hit(entry) }
        let estimatedUSD = ranked.map(\.estimatedCostUSD).min() ?? 0
        if let key = caller.key, let id = caller.keyID { try keyLimits.admitUpstream(key, id: id, estimatedTokens: estimatedTokens, estimatedUSD: estimatedUSD) }
        let settle: @Sendable (Int, Double) -> Void = { [keyLimits] tokens, cost in
            if let key = caller.key, let id = caller.keyID {
                keyLimits.settle(key, id: id, estimatedTokens: estimatedTokens, estimatedUSD: estimatedUSD, actualTokens: tokens, costUSD: cost)
            }
        }
        let curl = self.curl
        let limits = config.limits
        let started = ContinuousClock.now
        let candidate: Candidate
        let reply: UpstreamHTTPResponse
        do {
            (candidate, reply) = try await router.route(ranked, model: model, requestID: requestID) { c throws(UpstreamFailure) in
                var base = c.provider.baseURL
                while base.hasSuffix("/") { base.removeLast() }
                var headers: [(String, String)] = [("Content-Type", "application/json")]
                if let env = c.provider.apiKeyEnv, let k = ProcessInfo.processInfo.environment[env] { headers.append(("Authorization", "Bearer \(k)")) }
                let request = UpstreamHTTPRequest(url: base + "/embeddings", headers: headers, body: json.setting("model", .string(c.model.upstream)).jsonBytes,
                                                  connectTimeoutMs: limits.upstreamConnectTimeoutMs, timeoutMs: limits.upstreamTimeoutMs)
                let reply: UpstreamHTTPResponse
                do { reply = try await curl.send(request) } catch { throw OpenAIProvider.classify(error) }
                switch reply.status {
                case 200 where (try? JSONValue.parse(reply.body))?["data"]?.arrayValue != nil: return reply
                case 200: throw .badResponse("\(c.provider.name): the embeddings answer has no data")
                case 429: throw .rateLimited(retryAfter: reply.headers["retry-after"].flatMap { Int($0) }, "\(c.provider.name) answered 429")
                case 401, 403: throw .keyRefused(c.provider, status: reply.status, body: Secrets.redact(reply.body))
                case 400..<500: throw .client(status: reply.status, body: reply.body)
                default: throw .server(status: reply.status, "\(c.provider.name) answered \(reply.status)")
                }
            }
        } catch {
            settle(0, 0)
            throw error
        }
        let answer = (try? JSONValue.parse(reply.body)) ?? .null
        let tokens = answer["usage"]?["prompt_tokens"]?.countValue ?? estimatedTokens
        let cost = Money.cost(promptTokens: tokens, completionTokens: 0, inputPerMTok: candidate.model.inputUSDPerMTok, outputPerMTok: 0)
        settle(tokens, cost)
        let elapsed = ContinuousClock.now - started
        Observability.upstream(provider: candidate.provider.name, model: candidate.model.name, tenant: tenant, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                               promptTokens: tokens, completionTokens: 0, costUSD: cost)
        let bytes = ByteBuffer(bytes: reply.body)
        if directives.store {
            await exact.store(CacheEntry(createdMs: ExactCache.nowMs(), costUSD: cost, promptTokens: tokens, completionTokens: 0, provider: candidate.provider.name,
                                         model: candidate.model.upstream, tenant: tenant, request: json.canonicalBytes, body: bytes), key: key, alias: nil)
        }
        var out: HTTPFields = [.contentType: "application/json"]
        out[GatewayResponse.Header.cache] = directives.lookup ? "miss" : "bypass"
        out[GatewayResponse.Header.provider] = candidate.provider.name
        out[GatewayResponse.Header.cost] = Money.format(cost)
        return GatewayResponse(headers: out, body: bytes)
    }
}
