import TollgateBase
import TollgateHTTPClient
/// Any OpenAI-compatible upstream: the request goes as the client sent it, with the provider's
/// own model id and the provider's key.
public struct OpenAIProvider: ProviderClient {
    public let config: ProviderConfig
    let limits: GatewayConfig.Limits
    let curl: CurlClient

    /// Members of the internal request that only Anthropic upstreams understand.
    static let anthropicOnly: Set<String> = ["thinking"]

    public func complete(_ request: ChatRequest, model: ModelConfig) async throws(UpstreamFailure) -> UpstreamAnswer {
        let body = request.body.removing(OpenAIProvider.anthropicOnly.union(["stream", "stream_options"])).setting("model", .string(model.upstream))
        var headers: [(String, String)] = []
        if let key = apiKey { headers.append(("Authorization", "Bearer \(key)")) }
        let json = try await post(body, url: config.chatURL, headers: headers, limits: limits, curl: curl)
        return try OpenAIProvider.validate(json, provider: config.name)
    }

    public func stream(_ request: ChatRequest, model: ModelConfig) async throws(UpstreamFailure) -> ChunkSource {
        // Usage is always requested (the gateway needs it for the cost); the gateway drops the
        // usage chunk when the client did not ask for it.
        let body = request.body.removing(OpenAIProvider.anthropicOnly).setting("model", .string(model.upstream)).setting("stream", true)
            .setting("stream_options", ["include_usage": true])
        var headers: [(String, String)] = []
        if let key = apiKey { headers.append(("Authorization", "Bearer \(key)")) }
        let name = config.name
        return try await openChunks(body, url: config.chatURL, headers: headers, limits: limits, curl: curl,
                                    decoder: OpenAIStreamDecoder(provider: name)) { json throws(UpstreamFailure) in
            try OpenAIProvider.validate(json, provider: name)
        }
    }

    /// Checks that a `chat.completion` is complete: every choice has a message and a finish reason.
    static func validate(_ json: JSONValue, provider: String) throws(UpstreamFailure) -> UpstreamAnswer {
        if json["error"] != nil { throw .badResponse("\(provider) answered 200 with an error object") }
        guard let choices = json["choices"]?.arrayValue, !choices.isEmpty else { throw .badResponse("\(provider): no choices in the answer") }
        for choice in choices {
            guard choice["message"]?.objectValue != nil else { throw .badResponse("\(provider): a choice has no message") }
            guard let reason = choice["finish_reason"]?.stringValue, !reason.isEmpty else { throw .badResponse("\(provider): a choice has no finish_reason") }
        }
        let usage = json["usage"]
        return UpstreamAnswer(body: json,
                              promptTokens: usage?["prompt_tokens"]?.countValue ?? 0,
                              completionTokens: usage?["completion_tokens"]?.countValue ?? 0,
                              model: json["model"]?.stringValue ?? "")
    }
}
