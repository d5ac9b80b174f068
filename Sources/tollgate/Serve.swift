import ArgumentParser
import Foundation
import Logging
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
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String?
    @Option(help: "Log format: json (one object per line, the default) or text.") var logFormat: String?

    func validate() throws {
        if offline && record != nil { throw ValidationError("--record needs upstream calls; it cannot be combined with --offline") }
        if fixtures != nil && !offline && config != nil { throw ValidationError("--fixtures is for offline mode: add --offline") }
    }

    /// The prompt of the README's and the start banner's curl example (a bundled fixture).
    static let examplePrompt = "What is the capital of Australia?"

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

        let store: LMDBStore
        do {
            store = try LMDBStore(directory: cfg.dataDir + "/lmdb", mapSize: cfg.cache.maxBytes)
        } catch {
            FileHandle.standardError.write(Data("tollgate: cannot open the cache in \(cfg.dataDir): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let semantic = SemanticSetup.make(config: cfg, store: store, logger: logger)
        // The embedded default runs offline against the bundled fixtures.
        let isOffline = offline || (config == nil && record == nil)
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
            recorder = try FixtureRecorder(directory: record)
            logger.info("recording upstream exchanges to \(recorder!.path)")
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
        for key in cfg.keys {
            if let env = key.keyEnv, ProcessInfo.processInfo.environment[env]?.isEmpty ?? true {
                logger.warning("key for tenant \(key.tenant): environment variable \(env) is not set; that key cannot be used")
            }
        }
        let ttl = cfg.cache.ttlSeconds
        Task {
            if let gone = try? await gateway.exact.purgeExpired(ttlSeconds: ttl), !gone.isEmpty {
                try? await semantic?.remove(gone)
                logger.info("removed \(gone.count) expired cache entries")
            }
        }
        let host = cfg.listen.host
        let metrics = Observability.bootstrap()
        let app = GatewayServer.application(gateway: gateway, host: host, port: cfg.listen.port, logger: logger, metrics: metrics,
                                            services: shared.map { [$0] } ?? []) { port in
            say("tollgate listening on http://\(host):\(port)")
            say("try: curl -s http://\(host):\(port)/v1/chat/completions -H 'Content-Type: application/json' -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"\(Serve.examplePrompt)\"}]}'")
        }
        // The time series and the review queue are committed every second and once more at shutdown.
        let flusher = Task { await gateway.runObservabilityFlusher() }
        defer { flusher.cancel() }
        try await app.runService()
        flusher.cancel()
        await flusher.value
    }
}
