import Crypto
import Foundation
import HTTPTypes

/// Maps `Authorization: Bearer KEY` to a tenant. With no keys configured every request is the
/// `default` tenant; with keys, a missing or unknown key is a 401.
public struct Auth: Sendable {
    /// SHA-256 (hex) of each accepted key → its config. Keys are compared by hash only.
    let keysByHash: [String: KeyConfig]
    public let required: Bool
    public static let defaultTenant = "default"

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
        SHA256.hash(data: Array(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The tenant of the request's key.
    public func tenant(for headers: HTTPFields) throws(GatewayError) -> String {
        try key(for: headers)?.tenant ?? Auth.defaultTenant
    }

    /// The key the request presents (nil when no keys are configured).
    public func key(for headers: HTTPFields) throws(GatewayError) -> KeyConfig? {
        guard required else { return nil }
        guard let header = headers[.authorization] else {
            throw .unauthorized("You didn't provide an API key. Send it as `Authorization: Bearer YOUR_KEY`.")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .unauthorized("The Authorization header must be `Bearer YOUR_KEY`.")
        }
        guard let key = keysByHash[Auth.hash(String(parts[1]).trimmingCharacters(in: .whitespaces))] else {
            throw .unauthorized("Incorrect API key provided.")
        }
        return key
    }
}
