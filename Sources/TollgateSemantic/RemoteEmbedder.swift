import Foundation
import TollgateBase
import TollgateExactCache
import TollgateHTTPClient

/// Embeddings from any OpenAI-compatible `/embeddings` endpoint (`cache.semantic.embedder: remote`),
/// called over libcurl. Vectors are L2-normalised here, whatever the upstream returns.
public struct RemoteEmbedder: Embedder {
    public let dimension: Int
    public let baseURL: String
    public let model: String
    let apiKeyEnv: String?
    let curl: CurlClient
    public var name: String { "remote:\(model)" }

    public init(baseURL: String, model: String, dimension: Int, apiKeyEnv: String? = nil, curl: CurlClient = .shared) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.model = model
        self.dimension = dimension
        self.apiKeyEnv = apiKeyEnv
        Secrets.register(environmentVariables: [apiKeyEnv])
        self.curl = curl
    }

    /// Why a remote embedding failed.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public func embed(_ text: String) async throws -> [Float] {
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        if let env = apiKeyEnv, let key = ProcessInfo.processInfo.environment[env] { headers.append(("Authorization", "Bearer \(key)")) }
        let body: JSONValue = ["model": .string(model), "input": .string(text)]
        let reply = try await curl.send(UpstreamHTTPRequest(url: baseURL + "/embeddings", headers: headers, body: body.jsonBytes, timeoutMs: 30_000))
        guard reply.status == 200, let json = try? JSONValue.parse(reply.body),
              let values = json["data"]?.arrayValue?.first?["embedding"]?.arrayValue else {
            throw Failure(description: "\(baseURL)/embeddings answered \(reply.status): \(Secrets.redact(String(decoding: reply.body.prefix(200), as: UTF8.self))))")
        }
        let vector = values.compactMap { $0.doubleValue.map(Float.init) }
        guard vector.count == dimension else {
            throw Failure(description: "\(model) returned \(vector.count) dimensions; cache.semantic.remote.dimension says \(dimension)")
        }
        return VectorMath.normalised(vector)
    }
}
