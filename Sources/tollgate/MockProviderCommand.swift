import ArgumentParser
import Foundation
import TollgateCore

/// `tollgate mock-provider`: a deterministic fake upstream.
struct MockProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-provider",
        abstract: "Run a deterministic fake LLM upstream for tests, demos and benchmarks.")

    @Option(help: "Port to listen on; 0 picks a free one.") var port: Int
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Wire format: openai (POST /v1/chat/completions) or anthropic (POST /v1/messages).") var flavor = "openai"
    @Option(help: "Delay before each answer, in milliseconds.") var latencyMs = 0
    @Option(help: "Fail with this HTTP status (all requests, or the first N with --fail-first).") var failStatus: Int?
    @Option(help: "Fail only the first N requests (needs --fail-status).") var failFirst: Int?
    @Option(help: "Delay between streamed events, in milliseconds.") var chunkDelayMs = 0
    @Option(help: "Cut every stream after N events (the connection closes without [DONE]).") var cutStreamAfter: Int?
    @Option(help: "Answer every call with this status and an error quoting the key it was sent.") var echoKeyWithStatus: Int?
    @Option(help: "Pad every text answer to at least N bytes (for tests of large answers).") var answerBytes = 0
    @Option(help: "Log level.") var logLevel: LogLevelOption?

    func validate() throws {
        guard MockProvider.Flavor(rawValue: flavor) != nil else { throw ValidationError("--flavor must be openai or anthropic") }
        if let s = failStatus, !(400...599).contains(s) { throw ValidationError("--fail-status must be an HTTP error status (400-599)") }
        if failFirst != nil && failStatus == nil { throw ValidationError("--fail-first needs --fail-status") }
        guard latencyMs >= 0 else { throw ValidationError("--latency-ms must be ≥ 0") }
        guard chunkDelayMs >= 0 else { throw ValidationError("--chunk-delay-ms must be ≥ 0") }
        if let n = cutStreamAfter, n < 0 { throw ValidationError("--cut-stream-after must be ≥ 0") }
        guard (0...(256 << 20)).contains(answerBytes) else { throw ValidationError("--answer-bytes must be between 0 and 268435456") }
    }

    func run() async throws {
        let logger = bootstrapLogging(logLevel ?? .warning)
        var options = MockProvider.Options()
        options.flavor = MockProvider.Flavor(rawValue: flavor)!
        options.latencyMs = latencyMs
        options.failStatus = failStatus
        options.failFirst = failFirst
        options.chunkDelayMs = chunkDelayMs
        options.cutStreamAfter = cutStreamAfter
        options.echoKeyWithStatus = echoKeyWithStatus
        options.answerBytes = answerBytes
        let host = host
        let flavorName = options.flavor.rawValue
        let app = MockProvider(options: options).application(host: host, port: port, logger: logger) { port in
            say("mock-provider (\(flavorName)) listening on http://\(host):\(port)")
        }
        try await app.runService()
    }
}
