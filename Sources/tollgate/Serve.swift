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
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String?

    func run() async throws {
        let logger = bootstrapLogging(logLevel)
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
        if config == nil { logger.info("no --config: running the embedded default (see README, \"Configuration\")") }

        let store: LMDBStore
        do {
            store = try LMDBStore(directory: cfg.dataDir + "/lmdb", mapSize: cfg.cache.maxBytes)
        } catch {
            FileHandle.standardError.write(Data("tollgate: cannot open the cache in \(cfg.dataDir): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let semantic = SemanticSetup.make(config: cfg, store: store, logger: logger)
        let gateway = Gateway(config: cfg, store: store, semantic: semantic, logger: logger)
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
        let app = GatewayServer.application(gateway: gateway, host: host, port: cfg.listen.port, logger: logger) { port in
            say("tollgate listening on http://\(host):\(port)")
            say("try: curl -s http://\(host):\(port)/v1/chat/completions -H 'Content-Type: application/json' -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}'")
        }
        try await app.runService()
    }
}
