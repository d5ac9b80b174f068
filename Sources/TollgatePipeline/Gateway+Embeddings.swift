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
    /// The model name answered by the local embedder.
    public static let localEmbeddingModel = "all-MiniLM-L6-v2"

    /// `POST /v1/embeddings`: `all-MiniLM-L6-v2` is answered by the local model; other names go
    /// to the providers serving them (OpenAI-compatible `/embeddings`), through the exact cache.
    public func embeddings(body: ByteBuffer, headers: HTTPFields, requestID: String) async -> GatewayResponse {
        var response: GatewayResponse
        do {
            response = try await embeddingsPath(body: body, headers: headers, requestID: requestID)
        } catch {
            response = .error(error, requestID: requestID)
        }
        response.headers[GatewayResponse.Header.requestID] = requestID
        return response
    }

    private func embeddingsPath(body: ByteBuffer, headers: HTTPFields, requestID: String) async throws(GatewayError) -> GatewayResponse {
        let tenant = try auth.tenant(for: headers)
        let directives = try CacheDirectives(headers: headers)
        let json: JSONValue
        do { json = try JSONValue.parse(body.readableBytesView) } catch {
            throw .invalidRequest("We could not parse the JSON body of your request (\(error)).", code: "invalid_json")
        }
        guard case .object = json else { throw .invalidRequest("The request body must be a JSON object.", code: "invalid_json") }
        guard let model = json["model"]?.stringValue, !model.isEmpty else {
            throw .invalidRequest("Missing required parameter: 'model'.", param: "model", code: "missing_required_parameter")
        }
        let inputs: [String]
        switch json["input"] {
        case .string(let s)?: inputs = [s]
        case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }): inputs = items.compactMap(\.stringValue)
        case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.arrayValue != nil || $0.intValue != nil }):
            guard model != Gateway.localEmbeddingModel else {
                throw .invalidRequest("Token-id input is not supported by the local all-MiniLM-L6-v2 model; send text.", param: "input", code: "invalid_value")
            }
            inputs = []
        case nil, .null?: throw .invalidRequest("Missing required parameter: 'input'.", param: "input", code: "missing_required_parameter")
        default: throw .invalidRequest("Invalid 'input': expected a string or a non-empty array of strings.", param: "input", code: "invalid_type")
        }
        let format = json["encoding_format"]?.stringValue ?? "float"
        guard format == "float" || format == "base64" else {
            throw .invalidRequest("Invalid 'encoding_format': expected 'float' or 'base64'.", param: "encoding_format", code: "invalid_value")
        }
        if model == Gateway.localEmbeddingModel {
            guard let embedder = semantic?.embedder as? MiniLMEmbedder else {
                throw .unavailable("The local all-MiniLM-L6-v2 model is not loaded; run `make model` and restart.", code: "model_not_loaded")
            }
            if let d = json["dimensions"]?.intValue, d != embedder.dimension {
                throw .invalidRequest("all-MiniLM-L6-v2 gives \(embedder.dimension) dimensions; 'dimensions' cannot change that.", param: "dimensions", code: "invalid_value")
            }
            var tokens = 0
            let data: [JSONValue] = inputs.enumerated().map { i, text in
                tokens += embedder.tokenize(text).count
                let v = embedder.embed(text)
                let value: JSONValue = format == "base64"
                    ? .string(v.withUnsafeBytes { Data($0).base64EncodedString() })
                    : .array(v.map { .number("\($0)") })
                return ["object": "embedding", "index": .int(i), "embedding": value]
            }
            var r = GatewayResponse.json(["object": "list", "data": .array(data), "model": .string(model),
                                          "usage": ["prompt_tokens": .int(tokens), "total_tokens": .int(tokens)]])
            r.headers[GatewayResponse.Header.cache] = "bypass"
            r.headers[GatewayResponse.Header.provider] = "local"
            r.headers[GatewayResponse.Header.cost] = "0.000000"
            return r
        }
        return try await upstreamEmbeddings(json, model: model, tenant: tenant, directives: directives, requestID: requestID)
    }

    /// Embeddings from a provider, exact-cached like chat answers.
    private func upstreamEmbeddings(_ json: JSONValue, model: String, tenant: String, directives: CacheDirectives, requestID: String) async throws(GatewayError) -> GatewayResponse {
        let served = config.providers.flatMap { p in p.models.filter { $0.name == model }.map { (p, $0) } }.filter { $0.0.kind == .openai }
        guard !served.isEmpty else { throw .modelNotFound(model) }
        guard offline == nil else {
            throw .unavailable("Offline mode: embeddings from `\(model)` need a provider; use all-MiniLM-L6-v2 offline.", code: "offline_no_fixture")
        }
        let key = CacheKey.exact(endpoint: Gateway.embeddingsEndpoint, tenant: tenant, body: json)
        let freshness = Freshness(ttlSeconds: config.cache.ttlSeconds, maxAgeSeconds: directives.maxAge)
        if directives.lookup, let entry = exact.lookup(key, freshness: freshness) { return hit(entry) }
        var lastFailure: UpstreamFailure = .connect("no provider")
        for (provider, m) in served.sorted(by: { $0.1.inputUSDPerMTok < $1.1.inputUSDPerMTok }) {
            var base = provider.baseURL
            while base.hasSuffix("/") { base.removeLast() }
            var headers: [(String, String)] = [("Content-Type", "application/json")]
            if let env = provider.apiKeyEnv, let k = ProcessInfo.processInfo.environment[env] { headers.append(("Authorization", "Bearer \(k)")) }
            let request = UpstreamHTTPRequest(url: base + "/embeddings", headers: headers, body: json.setting("model", .string(m.upstream)).jsonBytes,
                                              connectTimeoutMs: config.limits.upstreamConnectTimeoutMs, timeoutMs: config.limits.upstreamTimeoutMs)
            let reply: UpstreamHTTPResponse
            do { reply = try await CurlClient.shared.send(request) } catch { lastFailure = OpenAIProvider.classify(error); continue }
            guard reply.status == 200, let answer = try? JSONValue.parse(reply.body), answer["data"]?.arrayValue != nil else {
                if (400..<500).contains(reply.status) && reply.status != 429 {
                    var e = GatewayError(status: .init(code: reply.status), message: "", type: "invalid_request_error")
                    e.rawBody = ProviderRouter.openAIShaped(reply.body, status: reply.status)
                    throw e
                }
                lastFailure = .server(status: reply.status, "\(provider.name) answered \(reply.status)")
                continue
            }
            let tokens = answer["usage"]?["prompt_tokens"]?.countValue ?? 0
            let cost = Money.cost(promptTokens: tokens, completionTokens: 0, inputPerMTok: m.inputUSDPerMTok, outputPerMTok: 0)
            let bytes = ByteBuffer(bytes: reply.body)
            if directives.store {
                await exact.store(CacheEntry(createdMs: ExactCache.nowMs(), costUSD: cost, promptTokens: tokens, completionTokens: 0, provider: provider.name,
                                             model: m.upstream, tenant: tenant, request: json.canonicalBytes, body: bytes), key: key, alias: nil)
            }
            var out: HTTPFields = [.contentType: "application/json"]
            out[GatewayResponse.Header.cache] = directives.lookup ? "miss" : "bypass"
            out[GatewayResponse.Header.provider] = provider.name
            out[GatewayResponse.Header.cost] = Money.format(cost)
            return GatewayResponse(headers: out, body: bytes)
        }
        throw ProviderRouter.gatewayError(for: lastFailure, model: model)
    }
}
