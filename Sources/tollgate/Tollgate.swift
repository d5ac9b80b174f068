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
        version: TollgateVersion.string,
        subcommands: [Serve.self, ConfigCommand.self, MockProviderCommand.self, SimilarityCommand.self, CacheCommand.self, BenchCommand.self],
        defaultSubcommand: nil)
}

/// `--log-level`: one of swift-log's levels (anything else is refused with the list).
enum LogLevelOption: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}

/// `--log-format`: JSON lines or plain text.
enum LogFormatOption: String, ExpressibleByArgument, CaseIterable {
    case json, text
}

/// Logging to stderr (stdout is kept for what scripts read): level from `--log-level` or
/// `LOG_LEVEL`; JSON lines by default, plain text with `LOG_FORMAT=text`. An unknown value in
/// those variables is reported on stderr and the default used (the flags refuse them).
func bootstrapLogging(_ level: LogLevelOption?, format: LogFormatOption? = nil, defaultLevel: LogLevelOption = .info) -> Logger {
    let env = ProcessInfo.processInfo.environment
    func fromEnvironment<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) -> T? where T.RawValue == String {
        guard let text = env[name], !text.isEmpty else { return nil }
        guard let value = T(rawValue: text.lowercased()) else {
            FileHandle.standardError.write(Data("tollgate: ignoring \(name)=\(text) (expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", ")))\n".utf8))
            return nil
        }
        return value
    }
    let chosen = Logger.Level(rawValue: (level ?? fromEnvironment("LOG_LEVEL", LogLevelOption.self) ?? defaultLevel).rawValue) ?? .info
    let json = (format ?? fromEnvironment("LOG_FORMAT", LogFormatOption.self) ?? .json) == .json
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
