import Foundation

/// A complete, successful upstream answer, already in OpenAI's `chat.completion` shape.
public struct UpstreamAnswer: Sendable {
    /// The `chat.completion` object as the client will see it.
    public var body: JSONValue
    public var promptTokens: Int
    public var completionTokens: Int
    /// The model id the upstream reported.
    public var model: String
}

/// Why an upstream call failed, and whether the router may try another provider.
public enum UpstreamFailure: Error, Sendable, CustomStringConvertible {
    /// Could not connect (refused, DNS, TLS).
    case connect(String)
    /// No complete answer in time.
    case timeout(String)
    /// 429 from the upstream; `retryAfter` in seconds when it said.
    case rateLimited(retryAfter: Int?, String)
    /// 5xx from the upstream.
    case server(status: Int, String)
    /// 200 with a body that is not a complete answer (never cached, never served).
    case badResponse(String)
    /// Another 4xx: the client's request is wrong; passed back unchanged (as an OpenAI error).
    case client(status: Int, body: [UInt8])

    /// Whether the router should try the next candidate.
    public var allowsFallback: Bool {
        if case .client = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .connect(let m): return "connect failed: \(m)"
        case .timeout(let m): return "timed out: \(m)"
        case .rateLimited(let r, let m): return "rate limited (retry after \(r.map(String.init) ?? "?") s): \(m)"
        case .server(let s, let m): return "HTTP \(s): \(m)"
        case .badResponse(let m): return "incomplete answer: \(m)"
        case .client(let s, _): return "HTTP \(s) (client error)"
        }
    }
}

/// A client for one configured provider, speaking its wire format.
public protocol ProviderClient: Sendable {
    var config: ProviderConfig { get }
    /// Sends a chat request for `model` and returns the complete answer.
    func complete(_ request: ChatRequest, model: ModelConfig) async throws(UpstreamFailure) -> UpstreamAnswer
}

extension ProviderClient {
    /// The API key from the environment variable the config names (never logged or stored).
    var apiKey: String? {
        guard let env = config.apiKeyEnv else { return nil }
        return ProcessInfo.processInfo.environment[env]
    }

    /// Sends over libcurl and classifies the outcome.
    func post(_ body: JSONValue, url: String, headers: [(String, String)], limits: GatewayConfig.Limits, curl: CurlClient) async throws(UpstreamFailure) -> JSONValue {
        let request = UpstreamHTTPRequest(url: url, headers: [("Content-Type", "application/json")] + headers, body: body.jsonBytes,
                                          connectTimeoutMs: limits.upstreamConnectTimeoutMs, timeoutMs: limits.upstreamTimeoutMs)
        let response: UpstreamHTTPResponse
        do {
            response = try await curl.send(request)
        } catch let e as TransportError {
            switch e.kind {
            case .connect: throw .connect(e.message)
            case .timeout: throw .timeout(e.message)
            case .cancelled, .other: throw .connect(e.message)
            }
        } catch {
            throw .connect("\(error)")
        }
        switch response.status {
        case 200..<300:
            do {
                return try JSONValue.parse(response.body)
            } catch {
                throw .badResponse("\(config.name) answered \(response.status) with a body that is not JSON (\(error))")
            }
        case 429:
            throw .rateLimited(retryAfter: response.headers["retry-after"].flatMap { Int($0) }, "\(config.name) answered 429")
        case 400..<500:
            throw .client(status: response.status, body: response.body)
        default:
            let snippet = String(decoding: response.body.prefix(200), as: UTF8.self)
            throw .server(status: response.status, "\(config.name) answered \(response.status): \(snippet)")
        }
    }
}

/// Builds the client for a provider's kind.
public func makeProviderClient(_ config: ProviderConfig, limits: GatewayConfig.Limits, curl: CurlClient = .shared) -> any ProviderClient {
    switch config.kind {
    case .openai: return OpenAIProvider(config: config, limits: limits, curl: curl)
    case .anthropic: return AnthropicProvider(config: config, limits: limits, curl: curl)
    }
}
