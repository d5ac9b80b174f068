import ArgumentParser
import Foundation
import Logging
import NIOCore
import TollgateCore

/// `tollgate cache …`: look after the LMDB cache from the command line.
struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Inspect, purge, export or import the cache.",
        subcommands: [Stats.self, Purge.self, Export.self, Import.self])

    /// Where the cache is: `--data-dir`, else the config's `data_dir`, else the default.
    struct Location: ParsableArguments {
        @Option(help: "YAML configuration file (for data_dir, ttl and the semantic layer).") var config: String?
        @Option(help: "Data directory (overrides data_dir).") var dataDir: String?

        func load() throws -> (GatewayConfig, LMDBStore) {
            var cfg = try config.map { try ConfigLoader.load(path: $0) } ?? DefaultConfig.config()
            if let dataDir { cfg.dataDir = dataDir }
            return (cfg, try LMDBStore(directory: cfg.dataDir + "/lmdb", mapSize: cfg.cache.maxBytes))
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Entries, sizes and savings, by tenant.")
        @OptionGroup var location: Location

        func run() async throws {
            let (_, store) = try location.load()
            var byTenant: [String: (entries: Int, bytes: Int, saved: Double)] = [:]
            try store.scan(.entries) { _, value in
                if let e = CacheEntry(decoding: value) {
                    let t = e.tenant.isEmpty ? "default" : e.tenant
                    let old = byTenant[t] ?? (0, 0, 0)
                    byTenant[t] = (old.entries + 1, old.bytes + value.readableBytes, old.saved + e.costUSD)
                }
                return true
            }
            let stats: JSONValue = [
                "entries": .int(try store.count(.entries)),
                "aliases": .int(try store.count(.aliases)),
                "vectors": .int(try store.count(.vectors)),
                "tenants": .object(byTenant.sorted { $0.key < $1.key }.map { t, v in
                    (t, ["entries": .int(v.entries), "bytes": .int(v.bytes), "original_cost_usd": .number(Money.format(v.saved))])
                }),
            ]
            print(stats.jsonString)
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete entries: all of them, or those of a tenant or a model.")
        @OptionGroup var location: Location
        @Option(help: "Only this tenant's entries.") var tenant: String?
        @Option(help: "Only entries answered by this model.") var model: String?
        @Flag(help: "Delete every entry (required when no --tenant or --model is given).") var all = false

        func validate() throws {
            if tenant == nil && model == nil && !all { throw ValidationError("say what to purge: --all, --tenant T or --model M") }
        }

        func run() async throws {
            let (_, store) = try location.load()
            let exact = ExactCache(store: store)
            let keys = try await exact.purge { e in (tenant.map { $0 == e.tenant } ?? true) && (model.map { $0 == e.model } ?? true) }
            print("purged \(keys.count) entries")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write cached answers as fixture files (JSON Lines) to DIR.")
        @OptionGroup var location: Location
        @Argument(help: "Folder to write the fixture file to.") var directory: String

        func run() async throws {
            let (_, store) = try location.load()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var lines: [String] = []
            var skipped = 0
            try store.scan(.entries) { _, value in
                if let e = CacheEntry(decoding: value), let f = Fixture(entry: e) { lines.append(f.line) } else { skipped += 1 }
                return true
            }
            let path = (directory as NSString).appendingPathComponent("export-\(Int(Date().timeIntervalSince1970)).jsonl")
            try (lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).write(toFile: path, atomically: true, encoding: .utf8)
            print("exported \(lines.count) entries to \(path)\(skipped > 0 ? " (\(skipped) skipped: embeddings, or no recorded request; fixtures hold chat answers)" : "")")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load the fixtures in DIR into the cache (as fresh entries).")
        @OptionGroup var location: Location
        @Argument(help: "Folder of *.jsonl fixture files.") var directory: String

        func run() async throws {
            let logger = bootstrapLogging(nil)
            let (cfg, store) = try location.load()
            let (fixtures, problems) = try FixtureLoader.load(directory: directory)
            for p in problems { logger.error("fixture skipped: \(p)") }
            let exact = ExactCache(store: store, logger: logger)
            let semantic = SemanticSetup.make(config: cfg, store: store, logger: logger)
            for f in fixtures {
                var entry = f.entry
                entry.createdMs = ExactCache.nowMs()  // imported answers start a fresh TTL
                await exact.store(entry, key: f.key, alias: nil)
                if let semantic, let request = try? ChatRequest(json: f.request),
                   let prompt = await semantic.prompt(endpoint: f.endpoint, tenant: f.tenant, request: request) {
                    await semantic.add(prompt, key: f.key)
                }
            }
            print("imported \(fixtures.count) fixtures\(problems.isEmpty ? "" : ", skipped \(problems.count) bad lines")")
        }
    }
}
