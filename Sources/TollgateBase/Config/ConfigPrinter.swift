import Foundation

extension GatewayConfig {
    /// The effective configuration as YAML — every setting, defaults filled in — for
    /// `tollgate config print`. Secrets are masked: a key's `key_sha256` shows only its first 8
    /// digits; environment variables are named (their values never appear), each with a comment
    /// saying whether it is set here.
    public func effectiveYAML(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        func q(_ s: String) -> String { JSONValue.string(s).jsonString }
        func n(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)" }
        func env(_ name: String) -> String { "\(q(name))  # \(environment[name]?.isEmpty == false ? "set" : "NOT SET") in this environment" }
        var out: [String] = []
        out.append("listen: { host: \(q(listen.host)), port: \(listen.port) }")
        out.append("data_dir: \(q(dataDir))")
        out.append("cache:")
        out.append("  ttl_seconds: \(cache.ttlSeconds)")
        out.append("  max_bytes: \(cache.maxBytes)")
        let s = cache.semantic
        out.append("  semantic:")
        out.append("    enabled: \(s.enabled)")
        out.append("    embedder: \(s.embedder)")
        out.append("    model_dir: \(q(s.modelDir))")
        out.append("    threshold: \(s.threshold.map(n) ?? "null")  # null: the semantic layer's tuned default")
        if !s.thresholds.isEmpty {
            out.append("    thresholds:")
            for (model, t) in s.thresholds.sorted(by: { $0.key < $1.key }) { out.append("      \(q(model)): \(n(t))") }
        }
        out.append("    max_turns: \(s.maxTurns)")
        out.append("    skip_unreadable: \(s.skipUnreadable.map(String.init) ?? "null")  # null: yes for minilm and hashing, no for remote")
        if let r = s.remote {
            out.append("    remote:")
            out.append("      base_url: \(q(r.baseURL))")
            out.append("      model: \(q(r.model))")
            out.append("      dimension: \(r.dimension)")
            if let k = r.apiKeyEnv { out.append("      api_key_env: \(env(k))") }
        }
        if let v = s.verifier {
            out.append("    verifier: { path: \(q(v.path)), threshold: \(n(v.threshold)), candidate_threshold: \(n(v.candidateThreshold)) }")
        } else {
            out.append("    verifier: false  # the cosine threshold and the look-alike guard only (less precise)")
        }
        if let sh = cache.shared {
            out.append("  shared:")
            out.append("    kind: \(sh.kind)")
            out.append("    url_env: \(env(sh.urlEnv))")
            out.append("    read_timeout_ms: \(sh.readTimeoutMs)")
            out.append("    wait_ms: \(sh.waitMs)")
            out.append("    follow: \(sh.follow)")
        }
        let l = limits
        out.append("limits:")
        for (k, v) in [("max_body_bytes", l.maxBodyBytes), ("max_messages", l.maxMessages), ("upstream_connect_timeout_ms", l.upstreamConnectTimeoutMs),
                       ("upstream_timeout_ms", l.upstreamTimeoutMs), ("upstream_idle_timeout_ms", l.upstreamIdleTimeoutMs), ("header_timeout_ms", l.headerTimeoutMs),
                       ("body_timeout_ms", l.bodyTimeoutMs), ("idle_timeout_ms", l.idleTimeoutMs), ("max_connections", l.maxConnections)] {
            out.append("  \(k): \(v)")
        }
        out.append("routing:")
        out.append("  strategy: \(routing.strategy.rawValue)")
        out.append("  expected_output_tokens: \(routing.expectedOutputTokens)")
        out.append("  breaker_failures: \(routing.breakerFailures)")
        out.append("  breaker_cooldown_seconds: \(n(routing.breakerCooldownSeconds))")
        out.append(providers.isEmpty ? "providers: []" : "providers:")
        for p in providers {
            out.append("  - name: \(q(p.name))")
            out.append("    kind: \(p.kind.rawValue)")
            out.append("    base_url: \(q(p.baseURL))")
            if let k = p.apiKeyEnv { out.append("    api_key_env: \(env(k))") }
            if let c = p.maxConcurrency { out.append("    max_concurrency: \(c)") }
            out.append("    weight: \(n(p.weight))")
            out.append("    models:")
            for m in p.models {
                var fields = ["name: \(q(m.name))", "kind: \(m.kind.rawValue)", "upstream: \(q(m.upstream))",
                              "input_usd_per_mtok: \(n(m.inputUSDPerMTok))", "output_usd_per_mtok: \(n(m.outputUSDPerMTok))"]
                if let c = m.cachedInputUSDPerMTok { fields.append("cached_input_usd_per_mtok: \(n(c))") }
                if let c = m.cacheWriteUSDPerMTok { fields.append("cache_write_usd_per_mtok: \(n(c))") }
                fields.append("context_window: \(m.contextWindow)")
                fields.append("capabilities: [\(Capability.allCases.filter(m.capabilities.contains).map(\.rawValue).joined(separator: ", "))]")
                out.append("      - { \(fields.joined(separator: ", ")) }")
            }
        }
        out.append(keys.isEmpty ? "keys: []  # none: every request is tenant `default`, no key needed" : "keys:")
        for k in keys {
            out.append("  - tenant: \(q(k.tenant))")
            if let e = k.keyEnv { out.append("    key_env: \(env(e))") }
            if let h = k.keySHA256 { out.append("    key_sha256: \(q(String(h.prefix(8)) + "…"))  # masked") }
            if let v = k.requestsPerMinute { out.append("    requests_per_minute: \(v)") }
            if let v = k.tokensPerMinute { out.append("    tokens_per_minute: \(v)") }
            if let v = k.usdPerDay { out.append("    usd_per_day: \(n(v))") }
            out.append("    admin: \(k.admin)")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
