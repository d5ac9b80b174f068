import Foundation
import Logging
import Synchronization
import TollgateBase
import TollgateExactCache
import TollgateSemantic

/// Offline mode's answers: fixtures loaded into memory, found by exact key and — when the
/// semantic layer is on — by semantic match over their prompts (same threshold and guard).
public final class FixtureSet: Sendable {
    public let exact: ExactCache
    public let semantic: SemanticCache?
    public let count: Int
    public let problems: [FixtureProblem]

    /// Fixtures never expire: a recording is as good as the day it was made.
    public static let freshness = Freshness(ttlSeconds: Int(Int32.max))

    init(exact: ExactCache, semantic: SemanticCache?, count: Int, problems: [FixtureProblem]) {
        self.exact = exact
        self.semantic = semantic
        self.count = count
        self.problems = problems
    }

    /// Loads every `*.jsonl` in `directory`. Bad lines are logged with file and line and skipped.
    public static func load(directory: String, embedder: (any Embedder)?, maxTurns: Int, logger: Logger) async throws -> FixtureSet {
        let (fixtures, problems) = try FixtureLoader.load(directory: directory)
        for p in problems { logger.error("fixture skipped: \(p)") }
        let store = MemoryStore()
        let exact = ExactCache(store: store, logger: logger)
        let semantic = embedder.map { SemanticCache(embedder: $0, store: store, maxTurns: maxTurns, logger: logger) }
        for f in fixtures {
            await exact.store(f.entry, key: f.key, alias: nil)
            if let semantic, let request = try? ChatRequest(json: f.request),
               let prompt = await semantic.prompt(endpoint: f.endpoint, tenant: f.tenant, request: request) {
                await semantic.add(prompt, key: f.key)
            }
        }
        return FixtureSet(exact: exact, semantic: semantic, count: fixtures.count, problems: problems)
    }
}

/// Writes every upstream exchange to a fixture file (`serve --record DIR`): one JSON line each,
/// appended as answers complete. No keys or authorization headers are ever written. The file is
/// created at the first exchange, so a start that records nothing leaves no empty file behind.
public final class FixtureRecorder: Sendable {
    /// The file exchanges go to (named at start; it exists once the first one is recorded).
    public let path: String
    private let logger: Logger
    /// nil until the first exchange opens the file; `failed` once opening it has failed.
    private let handle = Mutex<(file: FileHandle?, failed: Bool)>((nil, false))

    /// Creates `directory` if needed and checks that it can be written; the file itself waits.
    public init(directory: String, logger: Logger = Logger(label: "tollgate")) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard FileManager.default.isWritableFile(atPath: directory) else { throw FixtureError("cannot write in \(directory)") }
        let stamp = Fixture.string(Date()).replacingOccurrences(of: ":", with: "")
        path = (directory as NSString).appendingPathComponent("recorded-\(stamp)-\(getpid()).jsonl")
        self.logger = logger
    }

    /// Whether any exchange has been written (the file exists).
    public var started: Bool { handle.withLock { $0.file != nil } }

    public func record(_ fixture: Fixture) {
        let data = Data((fixture.line + "\n").utf8)
        handle.withLock { h in
            if h.file == nil, !h.failed {
                if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
                h.file = FileHandle(forWritingAtPath: path)
                if h.file == nil {
                    h.failed = true
                    logger.error("cannot write the fixture file \(path); exchanges are not recorded")
                }
            }
            guard let file = h.file else { return }
            do {
                try file.seekToEnd()
                try file.write(contentsOf: data)
            } catch {
                logger.error("fixture not recorded", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
    }
}
