import ArgumentParser
import Foundation
import Logging
import TollgateCore

/// The `tollgate` command: a thin layer over TollgateCore.
@main
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "A self-hosted caching gateway for LLM APIs.",
        subcommands: [Serve.self, MockProviderCommand.self, SimilarityCommand.self, CacheCommand.self, BenchCommand.self],
        defaultSubcommand: nil)
}

/// Logging to stderr (stdout is kept for what scripts read): level from `--log-level` or
/// `LOG_LEVEL`; JSON lines by default, plain text with `LOG_FORMAT=text`.
func bootstrapLogging(_ level: String?, format: String? = nil) -> Logger {
    let env = ProcessInfo.processInfo.environment
    let chosen = Logger.Level(rawValue: level ?? env["LOG_LEVEL"] ?? "info") ?? .info
    let json = (format ?? env["LOG_FORMAT"] ?? "json") != "text"
    LoggingSystem.bootstrap { label in
        if json { return JSONLogHandler(label: label, level: chosen) }
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = chosen
        return handler
    }
    return Logger(label: "tollgate")
}

/// Prints a line on stdout at once (stdout is block-buffered when redirected).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
