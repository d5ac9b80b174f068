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
        subcommands: [Serve.self, MockProviderCommand.self, SimilarityCommand.self, CacheCommand.self],
        defaultSubcommand: nil)
}

/// Logging to stderr (stdout is kept for what scripts read), level from `--log-level` or `LOG_LEVEL`.
func bootstrapLogging(_ level: String?) -> Logger {
    let chosen = Logger.Level(rawValue: level ?? ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info") ?? .info
    LoggingSystem.bootstrap { label in
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
