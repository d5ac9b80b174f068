import Foundation
import TollgateBase
import TollgateHTTPClient

/// A complete, successful upstream answer, already in OpenAI's `chat.completion` shape.
public struct UpstreamAnswer: Sendable {
    /// The `chat.completion` object as the client will see it.
    public var body: JSONValue
    public var promptTokens: Int
    public var completionTokens: Int
    /// The model id the upstream reported.
    public var model: String

    /// Every count of the answer's usage, prompt-cache reads and writes included.
    public var usage: TokenUsage {
        TokenUsage(chat: body["usage"], fallback: TokenUsage(promptTokens: promptTokens, completionTokens: completionTokens))
    }
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

    /// The provider refused the gateway's own key for it (401/403): the client's request is not
    /// at fault, so this is the provider failing (a 502 if no other provider answers), and the
    /// message names the provider and, when it is unset, the key's environment variable.
    public static func keyRefused(_ provider: ProviderConfig, status: Int, body: [UInt8]) -> UpstreamFailure {
        if let env = provider.missingKeyEnv() {
            return .server(status: status, "\(provider.name) refused the call (HTTP \(status)): its api_key_env \(env) is not set in the gateway's environment, so the call went without a key. Set \(env) and restart the gateway")
        }
        return .server(status: status, "\(provider.name) rejected the gateway's API key for it (HTTP \(status)): \(String(decoding: body.prefix(200), as: UTF8.self))")
    }

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
    /// Sends a chat request as a stream; returns once the first chunk is in hand.
    func stream(_ request: ChatRequest, model: ModelConfig) async throws(UpstreamFailure) -> ChunkSource
}

extension ProviderClient {
    /// The API key from the environment variable the config names (never logged or stored).
    var apiKey: String? {
        guard let env = config.apiKeyEnv else { return nil }
        return ProcessInfo.processInfo.environment[env]
    }

    /// Sends over libcurl and classifies the outcome; returns the parsed JSON of a 2xx answer.
    func post(_ body: JSONValue, url: String, headers: [(String, String)], limits: GatewayConfig.Limits, curl: CurlClient) async throws(UpstreamFailure) -> JSONValue {
        let (status, bytes) = try await exchange(body, url: url, headers: headers, limits: limits, curl: curl)
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw .badResponse("\(config.name) answered \(status) with a body that is not JSON (\(error))")
        }
    }

    /// Sends and reads the whole answer; throws the classified failure for anything but 2xx.
    func exchange(_ body: JSONValue, url: String, headers: [(String, String)], limits: GatewayConfig.Limits, curl: CurlClient) async throws(UpstreamFailure) -> (Int, [UInt8]) {
        let stream = try await openStream(body, url: url, headers: headers, limits: limits, curl: curl)
        return (stream.head.status, try await readAll(stream))
    }

    /// Starts a transfer; a non-2xx answer is read whole and thrown as its failure.
    func openStream(_ body: JSONValue, url: String, headers: [(String, String)], limits: GatewayConfig.Limits, curl: CurlClient) async throws(UpstreamFailure) -> UpstreamStream {
        let request = UpstreamHTTPRequest(url: url, headers: [("Content-Type", "application/json")] + headers, body: body.jsonBytes,
                                          connectTimeoutMs: limits.upstreamConnectTimeoutMs, timeoutMs: limits.upstreamTimeoutMs,
                                          idleTimeoutMs: limits.upstreamIdleTimeoutMs)
        let stream: UpstreamStream
        do {
            stream = try await curl.open(request)
        } catch {
            throw Self.classify(error)
        }
        let status = stream.head.status
        guard (200..<300).contains(status) else {
            // An upstream may echo the key it was sent (`Incorrect API key provided: sk-…`): what
            // it says goes on to clients and logs only redacted.
            let bytes = Secrets.redact((try? await readAll(stream)) ?? [])
            switch status {
            case 401, 403:
                throw .keyRefused(config, status: status, body: bytes)
            case 429:
                throw .rateLimited(retryAfter: stream.head.headers["retry-after"].flatMap { Int($0) }, "\(config.name) answered 429")
            case 400..<500:
                throw .client(status: status, body: bytes)
            default:
                throw .server(status: status, "\(config.name) answered \(status): \(String(decoding: bytes.prefix(200), as: UTF8.self))")
            }
        }
        return stream
    }

    func readAll(_ stream: UpstreamStream) async throws(UpstreamFailure) -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            while let chunk = try await stream.next() { bytes += chunk }
        } catch {
            throw Self.classify(error)
        }
        return bytes
    }

    package static func classify(_ error: any Error) -> UpstreamFailure {
        guard let e = error as? TransportError else { return .connect("\(error)") }
        switch e.kind {
        case .connect, .cancelled: return .connect(e.message)
        case .timeout: return .timeout(e.message)
        case .other: return .badResponse(e.message)
        }
    }

    /// Opens an SSE stream and wraps it in a chunk source with `decoder`. An upstream that
    /// answers JSON instead of a stream is replayed as chunks.
    func openChunks(_ body: JSONValue, url: String, headers: [(String, String)], limits: GatewayConfig.Limits, curl: CurlClient,
                    decoder: any StreamDecoder, json: (JSONValue) throws(UpstreamFailure) -> UpstreamAnswer) async throws(UpstreamFailure) -> ChunkSource {
        let stream = try await openStream(body, url: url, headers: headers + [("Accept", "text/event-stream")], limits: limits, curl: curl)
        if stream.head.headers["content-type"]?.hasPrefix("application/json") == true {
            let bytes = try await readAll(stream)
            guard let parsed = try? JSONValue.parse(bytes) else { throw .badResponse("\(config.name): the answer is not JSON") }
            return ChunkSource(chunks: Replay.chunks(of: try json(parsed).body, includeUsage: true), provider: config.name)
        }
        let source = ChunkSource(upstream: stream, decoder: decoder, provider: config.name)
        do {
            try await source.prime()
        } catch {
            source.cancel()
            throw error
        }
        return source
    }
}

/// Builds the client for a provider's kind.
public func makeProviderClient(_ config: ProviderConfig, limits: GatewayConfig.Limits, curl: CurlClient = .shared) -> any ProviderClient {
    Secrets.register(environmentVariables: [config.apiKeyEnv])
    switch config.kind {
    case .openai: return OpenAIProvider(config: config, limits: limits, curl: curl)
    case .anthropic: return AnthropicProvider(config: config, limits: limits, curl: curl)
    }
}
