import Crypto
import Foundation
import HTTPTypes
import TollgateBase
import TollgateHTTPClient
import TollgateExactCache
import TollgateSemantic
import TollgateProviders
import TollgateRouting
import TollgateShared
import TollgateFixtures
import TollgateDialects

/// Maps `Authorization: Bearer KEY` to a tenant. With no keys configured every request is the
/// `default` tenant; with keys, a missing or unknown key is a 401.
public struct Auth: Sendable {
    /// SHA-256 (hex) of each accepted key → its config. Keys are compared by hash only.
    let keysByHash: [String: KeyConfig]
    public let required: Bool
    public static let defaultTenant = KeyConfig.defaultTenant
    /// Anthropic's key header, accepted beside `Authorization: Bearer`.
    public static let apiKeyHeader = HTTPField.Name("x-api-key")!

    /// Reads key values from the environment variables the config names; `unset` lists the
    /// variables that were missing (those keys cannot be used).
    public init(keys: [KeyConfig], environment: [String: String] = ProcessInfo.processInfo.environment) {
        var map: [String: KeyConfig] = [:]
        for key in keys {
            if let env = key.keyEnv, let value = environment[env], !value.isEmpty { map[Auth.hash(value)] = key }
            if let h = key.keySHA256 { map[h] = key }
        }
        keysByHash = map
        required = !keys.isEmpty
    }

    static func hash(_ key: String) -> String {
        Hex.encode(SHA256.hash(data: Array(key.utf8)))
    }

    /// Who is calling: the tenant, and the key (with its hash as a stable id) when keys are configured.
    public struct Caller: Sendable {
        public let tenant: String
        public let key: KeyConfig?
        public let keyID: String?
    }

    /// The tenant of the request's key.
    public func tenant(for headers: HTTPFields) throws(GatewayError) -> String {
        try caller(for: headers).tenant
    }

    /// Identifies the caller; a 401 when keys are configured and the request has no valid one.
    /// The tenant found goes into the request's access-log line.
    public func caller(for headers: HTTPFields) throws(GatewayError) -> Caller {
        let caller = try identify(headers)
        AccessRecord.current?.set(tenant: caller.tenant)
        return caller
    }

    func identify(_ headers: HTTPFields) throws(GatewayError) -> Caller {
        guard required else { return Caller(tenant: Auth.defaultTenant, key: nil, keyID: nil) }
        guard let header = headers[.authorization] else {
            // Anthropic's SDKs send the key as `x-api-key`.
            if let key = headers[Auth.apiKeyHeader] {
                let hash = Auth.hash(key.trimmingCharacters(in: .whitespaces))
                guard let config = keysByHash[hash] else { throw .unauthorized("Incorrect API key provided.") }
                return Caller(tenant: config.tenant, key: config, keyID: hash)
            }
            throw .unauthorized("You didn't provide an API key. Send it as `Authorization: Bearer YOUR_KEY` (or `x-api-key: YOUR_KEY`).")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .unauthorized("The Authorization header must be `Bearer YOUR_KEY`.")
        }
        let hash = Auth.hash(String(parts[1]).trimmingCharacters(in: .whitespaces))
        guard let key = keysByHash[hash] else {
            throw .unauthorized("Incorrect API key provided.")
        }
        return Caller(tenant: key.tenant, key: key, keyID: hash)
    }
}
