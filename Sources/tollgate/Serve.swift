import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TollgateCore

/// `tollgate serve`: run the gateway.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (the embedded default config when no --config is given).")

    @Option(help: "YAML configuration file.") var config: String?
    @Option(help: "Listen address (overrides listen.host).") var host: String?
    @Option(help: "Listen port; 0 picks a free one (overrides listen.port).") var port: Int?
    @Option(help: "Data directory for the cache (overrides data_dir).") var dataDir: String?
    @Flag(help: "Answer from fixtures only; never connect to a provider.") var offline = false
    @Option(help: "Fixture folder for --offline (default: fixtures).") var fixtures: String?
    @Option(help: "Also write every upstream exchange to a fixture file in this folder.") var record: String?
    @Option(help: "Log level (default: LOG_LEVEL, else info; info logs one line per request).") var logLevel: LogLevelOption?
    @Option(help: "Log format: json, one object per line (default: LOG_FORMAT, else json), or text.") var logFormat: LogFormatOption?
    @Flag(help: "Refuse to start when an environment variable the config names for a key (a provider's api_key_env, a client key's key_env) is unset.")
    var strict = false

    func validate() throws {
        if offline && record != nil { throw ValidationError("--record needs upstream calls; it cannot be combined with --offline") }
        // The embedded default is offline; recording with it would silently call the public APIs.
        if record != nil && config == nil { throw ValidationError("--record needs --config FILE naming the providers to record from (the embedded default runs offline)") }
        if fixtures != nil && !offline && config != nil { throw ValidationError("--fixtures is for offline mode: add --offline") }
    }

    /// The prompt of the README's and the start banner's curl example (a bundled fixture).
    static let examplePrompt = "What is the capital of Australia?"

    /// Warnings for the key variables the config names that are unset: each provider's
    /// `api_key_env` (online only) and each client key's `key_env`.
    static func unsetKeyVariables(_ cfg: GatewayConfig, offline: Bool) -> [(warning: String, variable: String)] {
        var out: [(String, String)] = []
        if !offline {
            for p in cfg.providers {
                if let env = p.missingKeyEnv() {
                    out.append(("provider \(p.name): api_key_env \(env) is not set; calls to \(p.name) go without a key (a 502 naming \(env) if it refuses them)", env))
                }
            }
        }
        for key in cfg.keys {
            if let env = key.keyEnv, ProcessInfo.processInfo.environment[env]?.isEmpty ?? true {
                out.append(("key for tenant \(key.tenant): environment variable \(env) is not set; that key cannot be used", env))
            }
        }
        return out
    }

    func run() async throws {
        let logger = bootstrapLogging(logLevel, format: logFormat)
        var cfg: GatewayConfig
        do {
            cfg = try config.map { try ConfigLoader.load(path: $0) } ?? DefaultConfig.config()
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("tollgate: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if let host { cfg.listen.host = host }
        if let port { cfg.listen.port = port }
        if let dataDir { cfg.dataDir = dataDir }
        if config == nil { logger.info("no --config: running the embedded default (offline against the bundled fixtures; see README)") }
        // The embedded default runs offline against the bundled fixtures.
        let isOffline = offline || (config == nil && record == nil)
        let unsetKeys = Serve.unsetKeyVariables(cfg, offline: isOffline)
        for (what, _) in unsetKeys { logger.warning("\(what)") }
        if strict, !unsetKeys.isEmpty {
            FileHandle.standardError.write(Data("tollgate: --strict: not starting: \(unsetKeys.map(\.variable).joined(separator: ", ")) not set\n".utf8))
            throw ExitCode(2)
        }
        // A missing fixtures folder is said plainly, before anything is created on disk.
        var isDirectory: ObjCBool = false
        let fixtureDir = fixtures ?? DefaultConfig.fixturesDirectory
        if isOffline, !FileManager.default.fileExists(atPath: fixtureDir, isDirectory: &isDirectory) || !isDirectory.boolValue {
            let which = fixtures == nil ? "the bundled fixtures folder `\(fixtureDir)` (relative to the working directory; run from the checkout)" : "the fixtures folder `\(fixtureDir)`"
            warn("tollgate: offline mode needs \(which), and it is not a folder here. Pass --offline --fixtures DIR, "
                 + "or record some with `tollgate serve --config FILE --record DIR`.")
            throw ExitCode(1)
        }

        let store: LMDBStore
        do {
            store = try LMDBStore(directory: cfg.dataDir + "/lmdb", mapSize: cfg.cache.maxBytes)
        } catch {
            FileHandle.standardError.write(Data("tollgate: cannot open the cache in \(cfg.dataDir): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let semantic = SemanticSetup.make(config: cfg, store: store, logger: logger)
        var fixtureSet: FixtureSet?
        if isOffline {
            let dir = fixtures ?? DefaultConfig.fixturesDirectory
            do {
                fixtureSet = try await FixtureSet.load(directory: dir, embedder: semantic?.embedder, maxTurns: cfg.cache.semantic.maxTurns, logger: logger)
                logger.info("offline: \(fixtureSet!.count) fixtures from \(dir)\(semantic == nil ? " (exact matches only)" : "")")
            } catch {
                FileHandle.standardError.write(Data("tollgate: cannot read fixtures in \(dir): \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        var recorder: FixtureRecorder?
        if let record {
            recorder = try FixtureRecorder(directory: record, logger: logger)
            logger.info("recording upstream exchanges to \(recorder!.path) (created at the first one)")
        }
        var shared: SharedTier?
        if let s = cfg.cache.shared, !isOffline {
            do {
                guard let text = ProcessInfo.processInfo.environment[s.urlEnv], !text.isEmpty else {
                    throw SharedTierError.config("cache.shared: the environment variable \(s.urlEnv) (a postgres://user:password@host:port/db URL) is not set")
                }
                let url = try PostgresURL(text)
                shared = try SharedTier(url: url, local: ExactCache(store: store, logger: logger), semantic: semantic, ttlSeconds: cfg.cache.ttlSeconds,
                                        readTimeoutMs: s.readTimeoutMs, claimWaitMs: s.waitMs, follow: s.follow, logger: logger)
                logger.info("shared tier: PostgreSQL at \(url) (from \(s.urlEnv))")
            } catch {
                FileHandle.standardError.write(Data("tollgate: configuration error: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        let gateway = Gateway(config: cfg, store: store, semantic: semantic, offline: fixtureSet, recorder: recorder, shared: shared, logger: logger)
        let ttl = cfg.cache.ttlSeconds
        Task {
            if let gone = try? await gateway.exact.purgeExpired(ttlSeconds: ttl), !gone.isEmpty {
                try? await semantic?.remove(gone)
                logger.info("removed \(gone.count) expired cache entries")
            }
        }
        let host = cfg.listen.host
        // With keys on, the start-up example needs one (the variable stands for the operator's own).
        let auth = cfg.keys.isEmpty ? "" : " -H \"Authorization: Bearer $YOUR_KEY\""
        let metrics = Observability.bootstrap(.init(models: cfg.providers.map { ($0.name, $0.models.map(\.name)) }, tenants: Array(Set(cfg.keys.map(\.tenant))).sorted(),
                                                    guardChecks: semantic == nil ? [] : MismatchKind.allCases.map(\.rawValue) + ["verifier"],
                                                    skipReasons: semantic?.readability == nil ? [] : PromptReadability.Unreadable.allCases.map(\.rawValue),
                                                    shared: shared != nil, version: TollgateVersion.string))
        let tracing: (any Service)?
        do {
            tracing = try Telemetry.bootstrap(logger: logger)
        } catch {
            FileHandle.standardError.write(Data("tollgate: OpenTelemetry configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let services: [any Service] = (shared.map { [$0] } ?? []) + (tracing.map { [$0] } ?? [])
        let app = GatewayServer.application(gateway: gateway, host: host, port: cfg.listen.port, logger: logger, metrics: metrics,
                                            services: services) { port in
            say("tollgate listening on http://\(host):\(port)")
            say("try: curl -s http://\(host):\(port)/v1/chat/completions -H 'Content-Type: application/json'\(auth) -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"\(Serve.examplePrompt)\"}]}'")
        }
        // The time series and the review queue are committed every second and once more at shutdown.
        let flusher = Task { await gateway.runObservabilityFlusher() }
        defer { flusher.cancel() }
        do {
            try await app.runService()
        } catch where GatewayServer.isAddressInUse(error) {
            FileHandle.standardError.write(Data("tollgate: cannot listen on \(host):\(cfg.listen.port): the address is already in use (another tollgate or server?); choose another with --port or listen.port\n".utf8))
            throw ExitCode(1)
        }
        flusher.cancel()
        await flusher.value
    }
}
