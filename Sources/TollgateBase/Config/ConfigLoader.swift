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

/// The problems found while reading one configuration (all of them, not only the first).
final class ConfigProblems {
    var errors: [ConfigError] = []
}

/// Reads and validates the YAML configuration. Unknown keys are errors (a typo must not be
/// silently ignored), and every error names the key path and its line. The reader goes on past
/// an error, so `check` reports every one; `load` and `parse` throw the first.
public enum ConfigLoader {
    public static func load(path: String) throws -> GatewayConfig {
        let (config, errors) = check(path: path)
        if let first = errors.first { throw first }
        return config
    }

    public static func parse(_ text: String, file: String = "config") throws -> GatewayConfig {
        let (config, errors) = check(text, file: file)
        if let first = errors.first { throw first }
        return config
    }

    /// Every error of the file (empty: valid), and the configuration as far as it could be read.
    public static func check(path: String) -> (GatewayConfig, [ConfigError]) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            let why = FileManager.default.fileExists(atPath: path) ? "cannot read the configuration file (not UTF-8 text, or not readable)" : "no such file"
            return (GatewayConfig(), [ConfigError(file: path, line: nil, key: "", message: why)])
        }
        return check(text, file: path)
    }

    /// Every error of `text` (empty: valid), and the configuration as far as it could be read.
    public static func check(_ text: String, file: String = "config") -> (GatewayConfig, [ConfigError]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            return (GatewayConfig(), [ConfigError(file: file, line: nil, key: "", message: "not valid YAML: \(error)")])
        }
        guard let root else { return (GatewayConfig(), []) }
        let problems = ConfigProblems()
        let config = read(NodeReader(node: root, path: "", file: file, problems: problems))
        // In file order (the reader visits sections in its own order).
        let ordered = problems.errors.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }.map(\.element)
        return (config, ordered)
    }

    static func read(_ r: NodeReader) -> GatewayConfig {
        var config = GatewayConfig()
        r.allowOnly(["listen", "data_dir", "cache", "limits", "routing", "providers", "keys", "observability"])
        if let listen = r.child("listen") {
            listen.allowOnly(["host", "port"])
            if let v = listen.string("host") { config.listen.host = v }
            if let v = listen.int("port", in: 0...65535) { config.listen.port = v }
        }
        if let v = r.string("data_dir") { config.dataDir = v }
        if let o = r.child("observability") {
            o.allowOnly(["timeseries_minutes", "keep_prompts", "review_size"])
            if let v = o.int("timeseries_minutes", in: 1...(60 * 24 * 90)) { config.observability.timeseriesMinutes = v }
            if let v = o.int("review_size", in: 1...100_000) { config.observability.reviewSize = v }
            if let node = o.value("keep_prompts"), case .sequence = node, let list = o.sequence("keep_prompts") {
                var tenants = Set<String>()
                for t in list {
                    if let s = t.node.string, !s.isEmpty { tenants.insert(s) } else { t.report(t.error("", "expected a tenant name")) }
                }
                config.observability.keepPromptsTenants = tenants
            } else if let v = o.bool("keep_prompts") {
                config.observability.keepPrompts = v
            }
        }
        if let cache = r.child("cache") {
            cache.allowOnly(["ttl_seconds", "max_bytes", "semantic", "shared"])
            if let v = cache.int("ttl_seconds", in: 1...Int(Int32.max)) { config.cache.ttlSeconds = v }
            if let v = cache.int("max_bytes", in: (1 << 20)...(1 << 40)) { config.cache.maxBytes = v }
            if let s = cache.child("semantic") {
                s.allowOnly(["enabled", "embedder", "model_dir", "threshold", "thresholds", "max_turns", "skip_unreadable", "remote", "verifier"])
                if let v = s.bool("enabled") { config.cache.semantic.enabled = v }
                if let v = s.string("embedder", oneOf: ["minilm", "hashing", "remote"]) { config.cache.semantic.embedder = v }
                if let v = s.string("model_dir") { config.cache.semantic.modelDir = v }
                if let v = s.double("threshold", in: 0...1) { config.cache.semantic.threshold = v }
                if let v = s.int("max_turns", in: 1...1000) { config.cache.semantic.maxTurns = v }
                if let v = s.bool("skip_unreadable") { config.cache.semantic.skipUnreadable = v }
                if let t = s.child("thresholds") {
                    for (k, _) in t.node.mapping ?? [:] {
                        guard let model = k.string else { continue }
                        if let v = t.double(model, in: 0...1) { config.cache.semantic.thresholds[model] = v }
                    }
                }
                if let r = s.child("remote") {
                    r.allowOnly(["base_url", "model", "dimension", "api_key_env"])
                    config.cache.semantic.remote = GatewayConfig.RemoteEmbedding(
                        baseURL: r.requiredString("base_url"), model: r.requiredString("model"),
                        dimension: r.int("dimension", in: 1...65536) ?? 1536, apiKeyEnv: r.string("api_key_env"))
                }
                if let node = s.value("verifier"), node.mapping == nil, let on = s.bool("verifier") {
                    config.cache.semantic.verifier = on ? GatewayConfig.VerifierSettings() : nil
                } else if let v = s.child("verifier") {
                    v.allowOnly(["path", "threshold", "candidate_threshold"])
                    var settings = GatewayConfig.VerifierSettings()
                    if let p = v.string("path") { settings.path = p }
                    if let t = v.double("threshold", in: 0...1) { settings.threshold = t }
                    if let t = v.double("candidate_threshold", in: 0...1) { settings.candidateThreshold = t }
                    config.cache.semantic.verifier = settings
                }
                if config.cache.semantic.embedder == "remote" && config.cache.semantic.remote == nil {
                    s.report(s.error("remote", "`embedder: remote` needs `remote: { base_url, model, dimension }`"))
                }
            }
            if let s = cache.child("shared") {
                s.allowOnly(["kind", "url_env", "read_timeout_ms", "wait_ms", "follow"])
                var shared = GatewayConfig.Shared()
                if let v = s.string("kind", oneOf: ["postgres"]) { shared.kind = v }
                if let v = s.string("url_env") { shared.urlEnv = v }
                if let v = s.int("read_timeout_ms", in: 1...60_000) { shared.readTimeoutMs = v }
                if let v = s.int("wait_ms", in: 0...600_000) { shared.waitMs = v }
                if let v = s.bool("follow") { shared.follow = v }
                config.cache.shared = shared
            }
        }
        if let l = r.child("limits") {
            l.allowOnly(["max_body_bytes", "max_messages", "upstream_connect_timeout_ms", "upstream_timeout_ms", "upstream_idle_timeout_ms",
                            "header_timeout_ms", "body_timeout_ms", "idle_timeout_ms", "send_timeout_ms", "max_connections"])
            if let v = l.int("max_body_bytes", in: 1...(1 << 30)) { config.limits.maxBodyBytes = v }
            if let v = l.int("max_messages", in: 1...1_000_000) { config.limits.maxMessages = v }
            if let v = l.int("upstream_connect_timeout_ms", in: 1...600_000) { config.limits.upstreamConnectTimeoutMs = v }
            if let v = l.int("upstream_timeout_ms", in: 1...3_600_000) { config.limits.upstreamTimeoutMs = v }
            if let v = l.int("upstream_idle_timeout_ms", in: 1...3_600_000) { config.limits.upstreamIdleTimeoutMs = v }
            if let v = l.int("header_timeout_ms", in: 1...3_600_000) { config.limits.headerTimeoutMs = v }
            if let v = l.int("body_timeout_ms", in: 1...3_600_000) { config.limits.bodyTimeoutMs = v }
            if let v = l.int("idle_timeout_ms", in: 1...3_600_000) { config.limits.idleTimeoutMs = v }
            if let v = l.int("send_timeout_ms", in: 1...3_600_000) { config.limits.sendTimeoutMs = v }
            if let v = l.int("max_connections", in: 1...1_000_000) { config.limits.maxConnections = v }
        }
        if let routing = r.child("routing") {
            routing.allowOnly(["strategy", "expected_output_tokens", "breaker_failures", "breaker_cooldown_seconds"])
            if let v = routing.string("strategy", oneOf: GatewayConfig.Strategy.allCases.map(\.rawValue)) {
                config.routing.strategy = GatewayConfig.Strategy(rawValue: v)!
            }
            if let v = routing.int("breaker_failures", in: 1...1000) { config.routing.breakerFailures = v }
            if let v = routing.double("breaker_cooldown_seconds", in: 0.01...86_400) { config.routing.breakerCooldownSeconds = v }
            if let v = routing.int("expected_output_tokens", in: 1...1_000_000) { config.routing.expectedOutputTokens = v }
        }
        if let providers = r.sequence("providers") {
            var names = Set<String>()
            for p in providers {
                let provider = readProvider(p)
                if !provider.name.isEmpty, !names.insert(provider.name).inserted {
                    p.report(p.error("name", "duplicate provider name `\(provider.name)`"))
                }
                config.providers.append(provider)
            }
        }
        // A per-model threshold names a model clients can ask for.
        if !config.providers.isEmpty, let t = r.child("cache")?.child("semantic")?.child("thresholds") {
            let models = Set(config.providers.flatMap(\.models).map(\.name))
            for model in config.cache.semantic.thresholds.keys.sorted() where !models.contains(model) {
                t.report(t.error(model, "no configured model is named `\(model)` (models: \(models.sorted().joined(separator: ", ")))"))
            }
        }
        if let keys = r.sequence("keys") {
            for k in keys {
                k.allowOnly(["key_env", "key_sha256", "tenant", "requests_per_minute", "tokens_per_minute", "usd_per_day", "admin"])
                var key = KeyConfig(tenant: k.requiredString("tenant"))
                key.keyEnv = k.string("key_env")
                key.keySHA256 = k.string("key_sha256")?.lowercased()
                if key.keyEnv == nil && key.keySHA256 == nil && k.node.mapping != nil { k.report(k.error("", "a key needs `key_env` or `key_sha256`")) }
                if let h = key.keySHA256, h.count != 64 || !h.allSatisfy(\.isHexDigit) {
                    k.report(k.error("key_sha256", "expected 64 hex digits"))
                }
                key.requestsPerMinute = k.int("requests_per_minute", in: 1...Int(Int32.max))
                key.tokensPerMinute = k.int("tokens_per_minute", in: 1...Int(Int32.max))
                key.usdPerDay = k.double("usd_per_day", in: 0...1e9)
                key.admin = k.bool("admin") ?? false
                config.keys.append(key)
            }
        }
        return config
    }

    static func readProvider(_ p: NodeReader) -> ProviderConfig {
        p.allowOnly(["name", "kind", "base_url", "api_key_env", "models", "max_concurrency", "weight"])
        let name = p.requiredString("name")
        let kind = ProviderConfig.Kind(rawValue: p.string("kind", oneOf: ProviderConfig.Kind.allCases.map(\.rawValue)) ?? "openai")!
        let baseURL = p.requiredString("base_url")
        if !baseURL.isEmpty, !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
            p.report(p.error("base_url", "expected an http:// or https:// URL, got `\(baseURL)`", at: p.value("base_url")))
        }
        var models: [ModelConfig] = []
        let modelNodes = p.sequence("models") ?? []
        if modelNodes.isEmpty, p.node.mapping != nil { p.report(p.error("models", "a provider needs at least one model")) }
        for m in modelNodes {
            m.allowOnly(["name", "kind", "upstream", "input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_usd_per_mtok",
                             "context_window", "capabilities", "threshold"])
            if m.value("threshold") != nil {
                m.report(m.error("threshold", "moved: a model's semantic threshold is set in `cache.semantic.thresholds: { \(m.string("name") ?? "MODEL"): VALUE }`"))
            }
            var kind: ModelKind?
            if let k = m.string("kind") {
                kind = ModelKind(rawValue: k)
                if kind == nil { m.report(m.error("kind", "expected chat or embeddings, got `\(k)`")) }
            }
            var caps = Set<Capability>()
            if let list = m.sequence("capabilities") {
                for c in list {
                    guard let s = c.node.string, let cap = Capability(rawValue: s) else {
                        c.report(c.error("", "unknown capability `\(c.node.string ?? "?")` (one of: \(Capability.allCases.map(\.rawValue).joined(separator: ", ")))"))
                        continue
                    }
                    caps.insert(cap)
                }
            } else {
                caps = [.stream]
            }
            models.append(ModelConfig(
                name: m.requiredString("name"),
                upstream: m.string("upstream"),
                inputUSDPerMTok: m.double("input_usd_per_mtok", in: 0...1e6) ?? 0,
                outputUSDPerMTok: m.double("output_usd_per_mtok", in: 0...1e6) ?? 0,
                contextWindow: m.int("context_window", in: 1...100_000_000) ?? 128_000,
                capabilities: caps,
                kind: kind))
            models[models.count - 1].cachedInputUSDPerMTok = m.double("cached_input_usd_per_mtok", in: 0...1e6)
            models[models.count - 1].cacheWriteUSDPerMTok = m.double("cache_write_usd_per_mtok", in: 0...1e6)
        }
        var provider = ProviderConfig(name: name, kind: kind, baseURL: baseURL, apiKeyEnv: p.string("api_key_env"), models: models)
        provider.maxConcurrency = p.int("max_concurrency", in: 1...100_000)
        provider.weight = p.double("weight", in: 0...1_000_000) ?? 1
        return provider
    }
}

/// Walks a YAML node, keeping the key path and line for error messages. A value that is
/// wrong is reported to `problems` and read as absent, so reading goes on to the next one.
struct NodeReader {
    let node: Node
    let path: String
    let file: String
    let problems: ConfigProblems

    func sub(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Records an error and goes on.
    func report(_ e: ConfigError) { problems.errors.append(e) }

    func error(_ key: String, _ message: String, at n: Node? = nil) -> ConfigError {
        ConfigError(file: file, line: (n ?? node).mark?.line, key: key.isEmpty ? path : sub(key), message: message)
    }

    func allowOnly(_ keys: Set<String>) {
        guard let mapping = node.mapping else { return report(error("", "expected a mapping of keys to values")) }
        for (k, _) in mapping {
            guard let name = k.string else { report(error("", "keys must be strings", at: k)); continue }
            if !keys.contains(name) {
                report(error(name, "unknown key (expected one of: \(keys.sorted().joined(separator: ", ")))", at: k))
            }
        }
    }

    func value(_ key: String) -> Node? {
        guard let v = node.mapping?[Node(key)] else { return nil }
        if case .scalar(let s) = v, s.tag.description == Tag.Name.null.rawValue || (s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)) { return nil }
        return v
    }

    func child(_ key: String) -> NodeReader? {
        guard let v = value(key) else { return nil }
        guard v.mapping != nil else { report(error(key, "expected a mapping", at: v)); return nil }
        return NodeReader(node: v, path: sub(key), file: file, problems: problems)
    }

    func sequence(_ key: String) -> [NodeReader]? {
        guard let v = value(key) else { return nil }
        guard case .sequence(let seq) = v else { report(error(key, "expected a list", at: v)); return nil }
        return seq.enumerated().map { NodeReader(node: $0.element, path: "\(sub(key))[\($0.offset)]", file: file, problems: problems) }
    }

    func string(_ key: String, oneOf allowed: [String]? = nil) -> String? {
        guard let v = value(key) else { return nil }
        guard case .scalar(let s) = v else { report(error(key, "expected a string", at: v)); return nil }
        if let allowed, !allowed.contains(s.string) {
            report(error(key, "expected one of \(allowed.joined(separator: " | ")), got `\(s.string)`", at: v))
            return nil
        }
        return s.string
    }

    func requiredString(_ key: String) -> String {
        guard let s = string(key), !s.isEmpty else {
            // A wrong value was reported already; only a missing one is reported here.
            if value(key) == nil && node.mapping != nil { report(error(key, "is required")) }
            return ""
        }
        return s
    }

    func int(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.int else { report(error(key, "expected an integer, got `\(v.string ?? "?")`", at: v)); return nil }
        guard range.contains(i) else { report(error(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(i)", at: v)); return nil }
        return i
    }

    func double(_ key: String, in range: ClosedRange<Double>) -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.float ?? v.int.map(Double.init) else { report(error(key, "expected a number, got `\(v.string ?? "?")`", at: v)); return nil }
        guard range.contains(d) else { report(error(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(d)", at: v)); return nil }
        return d
    }

    func bool(_ key: String) -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.bool else { report(error(key, "expected true or false, got `\(v.string ?? "?")`", at: v)); return nil }
        return b
    }
}
