import Foundation
import Yams

/// A configuration error that names the key and the line it is on.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let key: String
    public let message: String
    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key.isEmpty ? "" : "\(key): ")\(message)"
    }
}

/// Reads and validates the YAML configuration. Unknown keys are errors (a typo must not be
/// silently ignored), and every error names the key path and its line.
public enum ConfigLoader {
    public static func load(path: String) throws -> GatewayConfig {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, key: "", message: "cannot read the configuration file")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String = "config") throws -> GatewayConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: file, line: nil, key: "", message: "not valid YAML: \(error)")
        }
        var config = GatewayConfig()
        guard let root else { return config }
        let r = NodeReader(node: root, path: "", file: file)
        try r.allowOnly(["listen", "data_dir", "cache", "limits", "routing", "providers", "keys", "observability"])
        if let listen = try r.child("listen") {
            try listen.allowOnly(["host", "port"])
            if let v = try listen.string("host") { config.listen.host = v }
            if let v = try listen.int("port", in: 0...65535) { config.listen.port = v }
        }
        if let v = try r.string("data_dir") { config.dataDir = v }
        if let o = try r.child("observability") {
            try o.allowOnly(["timeseries_minutes", "keep_prompts", "review_size"])
            if let v = try o.int("timeseries_minutes", in: 1...(60 * 24 * 90)) { config.observability.timeseriesMinutes = v }
            if let v = try o.int("review_size", in: 1...100_000) { config.observability.reviewSize = v }
            if let list = try? o.sequence("keep_prompts") {
                config.observability.keepPromptsTenants = Set(try list.map { t in
                    guard let s = t.node.string, !s.isEmpty else { throw t.error("", "expected a tenant name") }
                    return s
                })
            } else if let v = try o.bool("keep_prompts") {
                config.observability.keepPrompts = v
            }
        }
        if let cache = try r.child("cache") {
            try cache.allowOnly(["ttl_seconds", "max_bytes", "semantic", "shared"])
            if let v = try cache.int("ttl_seconds", in: 1...Int(Int32.max)) { config.cache.ttlSeconds = v }
            if let v = try cache.int("max_bytes", in: (1 << 20)...(1 << 40)) { config.cache.maxBytes = v }
            if let s = try cache.child("semantic") {
                try s.allowOnly(["enabled", "embedder", "model_dir", "threshold", "max_turns", "remote", "verifier"])
                if let v = try s.bool("enabled") { config.cache.semantic.enabled = v }
                if let v = try s.string("embedder", oneOf: ["minilm", "hashing", "remote"]) { config.cache.semantic.embedder = v }
                if let v = try s.string("model_dir") { config.cache.semantic.modelDir = v }
                if let v = try s.double("threshold", in: 0...1) { config.cache.semantic.threshold = v }
                if let v = try s.int("max_turns", in: 1...1000) { config.cache.semantic.maxTurns = v }
                if let r = try s.child("remote") {
                    try r.allowOnly(["base_url", "model", "dimension", "api_key_env"])
                    config.cache.semantic.remote = GatewayConfig.RemoteEmbedding(
                        baseURL: try r.requiredString("base_url"), model: try r.requiredString("model"),
                        dimension: try r.int("dimension", in: 1...65536) ?? 1536, apiKeyEnv: try r.string("api_key_env"))
                }
                if let v = try s.child("verifier") {
                    try v.allowOnly(["path", "threshold", "candidate_threshold"])
                    var settings = GatewayConfig.VerifierSettings()
                    if let p = try v.string("path") { settings.path = p }
                    if let t = try v.double("threshold", in: 0...1) { settings.threshold = t }
                    if let t = try v.double("candidate_threshold", in: 0...1) { settings.candidateThreshold = t }
                    config.cache.semantic.verifier = settings
                }
                if config.cache.semantic.embedder == "remote" && config.cache.semantic.remote == nil {
                    throw s.error("remote", "`embedder: remote` needs `remote: { base_url, model, dimension }`")
                }
            }
            if let s = try cache.child("shared") {
                try s.allowOnly(["kind", "url_env", "read_timeout_ms", "wait_ms", "follow"])
                var shared = GatewayConfig.Shared()
                if let v = try s.string("kind", oneOf: ["postgres"]) { shared.kind = v }
                if let v = try s.string("url_env") { shared.urlEnv = v }
                if let v = try s.int("read_timeout_ms", in: 1...60_000) { shared.readTimeoutMs = v }
                if let v = try s.int("wait_ms", in: 0...600_000) { shared.waitMs = v }
                if let v = try s.bool("follow") { shared.follow = v }
                config.cache.shared = shared
            }
        }
        if let l = try r.child("limits") {
            try l.allowOnly(["max_body_bytes", "max_messages", "upstream_connect_timeout_ms", "upstream_timeout_ms", "upstream_idle_timeout_ms",
                            "header_timeout_ms", "body_timeout_ms", "idle_timeout_ms", "max_connections"])
            if let v = try l.int("max_body_bytes", in: 1...(1 << 30)) { config.limits.maxBodyBytes = v }
            if let v = try l.int("max_messages", in: 1...1_000_000) { config.limits.maxMessages = v }
            if let v = try l.int("upstream_connect_timeout_ms", in: 1...600_000) { config.limits.upstreamConnectTimeoutMs = v }
            if let v = try l.int("upstream_timeout_ms", in: 1...3_600_000) { config.limits.upstreamTimeoutMs = v }
            if let v = try l.int("upstream_idle_timeout_ms", in: 1...3_600_000) { config.limits.upstreamIdleTimeoutMs = v }
            if let v = try l.int("header_timeout_ms", in: 1...3_600_000) { config.limits.headerTimeoutMs = v }
            if let v = try l.int("body_timeout_ms", in: 1...3_600_000) { config.limits.bodyTimeoutMs = v }
            if let v = try l.int("idle_timeout_ms", in: 1...3_600_000) { config.limits.idleTimeoutMs = v }
            if let v = try l.int("max_connections", in: 1...1_000_000) { config.limits.maxConnections = v }
        }
        if let routing = try r.child("routing") {
            try routing.allowOnly(["strategy", "expected_output_tokens", "breaker_failures", "breaker_cooldown_seconds"])
            if let v = try routing.string("strategy", oneOf: GatewayConfig.Strategy.allCases.map(\.rawValue)) {
                config.routing.strategy = GatewayConfig.Strategy(rawValue: v)!
            }
            if let v = try routing.int("breaker_failures", in: 1...1000) { config.routing.breakerFailures = v }
            if let v = try routing.double("breaker_cooldown_seconds", in: 0.01...86_400) { config.routing.breakerCooldownSeconds = v }
            if let v = try routing.int("expected_output_tokens", in: 1...1_000_000) { config.routing.expectedOutputTokens = v }
        }
        if let providers = try r.sequence("providers") {
            var names = Set<String>()
            for p in providers {
                let provider = try readProvider(p)
                if !names.insert(provider.name).inserted {
                    throw p.error("name", "duplicate provider name `\(provider.name)`")
                }
                config.providers.append(provider)
            }
        }
        if let keys = try r.sequence("keys") {
            for k in keys {
                try k.allowOnly(["key_env", "key_sha256", "tenant", "requests_per_minute", "tokens_per_minute", "usd_per_day", "admin"])
                var key = KeyConfig(tenant: try k.requiredString("tenant"))
                key.keyEnv = try k.string("key_env")
                key.keySHA256 = try k.string("key_sha256")?.lowercased()
                if key.keyEnv == nil && key.keySHA256 == nil { throw k.error("", "a key needs `key_env` or `key_sha256`") }
                if let h = key.keySHA256, h.count != 64 || !h.allSatisfy(\.isHexDigit) {
                    throw k.error("key_sha256", "expected 64 hex digits")
                }
                key.requestsPerMinute = try k.int("requests_per_minute", in: 1...Int(Int32.max))
                key.tokensPerMinute = try k.int("tokens_per_minute", in: 1...Int(Int32.max))
                key.usdPerDay = try k.double("usd_per_day", in: 0...1e9)
                key.admin = try k.bool("admin") ?? false
                config.keys.append(key)
            }
        }
        return config
    }

    static func readProvider(_ p: NodeReader) throws -> ProviderConfig {
        try p.allowOnly(["name", "kind", "base_url", "api_key_env", "models", "max_concurrency", "weight"])
        let name = try p.requiredString("name")
        let kind = ProviderConfig.Kind(rawValue: try p.string("kind", oneOf: ProviderConfig.Kind.allCases.map(\.rawValue)) ?? "openai")!
        let baseURL = try p.requiredString("base_url")
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
            throw p.error("base_url", "expected an http:// or https:// URL, got `\(baseURL)`")
        }
        var models: [ModelConfig] = []
        guard let modelNodes = try p.sequence("models"), !modelNodes.isEmpty else {
            throw p.error("models", "a provider needs at least one model")
        }
        for m in modelNodes {
            try m.allowOnly(["name", "kind", "upstream", "input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_usd_per_mtok",
                             "context_window", "capabilities", "threshold"])
            var kind: ModelKind?
            if let k = try m.string("kind") {
                guard let parsed = ModelKind(rawValue: k) else { throw m.error("kind", "expected chat or embeddings, got `\(k)`") }
                kind = parsed
            }
            var caps = Set<Capability>()
            if let list = try m.sequence("capabilities") {
                for c in list {
                    guard let s = c.node.string, let cap = Capability(rawValue: s) else {
                        throw c.error("", "unknown capability `\(c.node.string ?? "?")` (one of: \(Capability.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    caps.insert(cap)
                }
            } else {
                caps = [.stream]
            }
            models.append(ModelConfig(
                name: try m.requiredString("name"),
                upstream: try m.string("upstream"),
                inputUSDPerMTok: try m.double("input_usd_per_mtok", in: 0...1e6) ?? 0,
                outputUSDPerMTok: try m.double("output_usd_per_mtok", in: 0...1e6) ?? 0,
                contextWindow: try m.int("context_window", in: 1...100_000_000) ?? 128_000,
                capabilities: caps,
                threshold: try m.double("threshold", in: 0...1),
                kind: kind))
            models[models.count - 1].cachedInputUSDPerMTok = try m.double("cached_input_usd_per_mtok", in: 0...1e6)
            models[models.count - 1].cacheWriteUSDPerMTok = try m.double("cache_write_usd_per_mtok", in: 0...1e6)
        }
        var provider = ProviderConfig(name: name, kind: kind, baseURL: baseURL, apiKeyEnv: try p.string("api_key_env"), models: models)
        provider.maxConcurrency = try p.int("max_concurrency", in: 1...100_000)
        provider.weight = try p.double("weight", in: 0...1_000_000) ?? 1
        return provider
    }
}

/// Walks a YAML node, keeping the key path and line for error messages.
struct NodeReader {
    let node: Node
    let path: String
    let file: String

    func sub(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ message: String, at n: Node? = nil) -> ConfigError {
        ConfigError(file: file, line: (n ?? node).mark?.line, key: key.isEmpty ? path : sub(key), message: message)
    }

    func allowOnly(_ keys: Set<String>) throws {
        guard let mapping = node.mapping else { throw error("", "expected a mapping of keys to values") }
        for (k, _) in mapping {
            guard let name = k.string else { throw error("", "keys must be strings", at: k) }
            if !keys.contains(name) {
                throw error(name, "unknown key (expected one of: \(keys.sorted().joined(separator: ", ")))", at: k)
            }
        }
    }

    func value(_ key: String) -> Node? {
        guard let v = node.mapping?[Node(key)] else { return nil }
        if case .scalar(let s) = v, s.tag.description == Tag.Name.null.rawValue || (s.string == "" && s.style == .plain) || s.string == "~" { return nil }
        return v
    }

    func child(_ key: String) throws -> NodeReader? {
        guard let v = value(key) else { return nil }
        guard v.mapping != nil else { throw error(key, "expected a mapping", at: v) }
        return NodeReader(node: v, path: sub(key), file: file)
    }

    func sequence(_ key: String) throws -> [NodeReader]? {
        guard let v = value(key) else { return nil }
        guard case .sequence(let seq) = v else { throw error(key, "expected a list", at: v) }
        return seq.enumerated().map { NodeReader(node: $0.element, path: "\(sub(key))[\($0.offset)]", file: file) }
    }

    func string(_ key: String, oneOf allowed: [String]? = nil) throws -> String? {
        guard let v = value(key) else { return nil }
        guard case .scalar(let s) = v else { throw error(key, "expected a string", at: v) }
        if let allowed, !allowed.contains(s.string) {
            throw error(key, "expected one of \(allowed.joined(separator: " | ")), got `\(s.string)`", at: v)
        }
        return s.string
    }

    func requiredString(_ key: String) throws -> String {
        guard let s = try string(key), !s.isEmpty else { throw error(key, "is required") }
        return s
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.int else { throw error(key, "expected an integer, got `\(v.string ?? "?")`", at: v) }
        guard range.contains(i) else { throw error(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(i)", at: v) }
        return i
    }

    func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.float ?? v.int.map(Double.init) else { throw error(key, "expected a number, got `\(v.string ?? "?")`", at: v) }
        guard range.contains(d) else { throw error(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(d)", at: v) }
        return d
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.bool else { throw error(key, "expected true or false, got `\(v.string ?? "?")`", at: v) }
        return b
    }
}
