import Foundation
import Synchronization
import TollgateCore

/// The `tollgate` binary under test: `TOLLGATE_BIN` (set by `make test`) or the debug build.
let tollgateBinary: String = {
    if let path = ProcessInfo.processInfo.environment["TOLLGATE_BIN"] { return path }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/tollgate").path
}()

struct HarnessError: Error, CustomStringConvertible {
    let description: String
}

/// A running `tollgate` process (gateway or mock provider) on an ephemeral loopback port.
final class TollgateProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let logPath: String
    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `tollgate ARGS` and waits (with a deadline) for its "listening on" line. The deadline is
    /// generous: the embedded default embeds ~300 fixtures at start, slow in a debug build on a busy machine.
    /// - Parameter environment: variables added to the test process's own, for this process only.
    init(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(90)) async throws {
        let stdout = Pipe()
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-\(UUID().uuidString).log").path
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: tollgateBinary)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()

        let lines = AsyncStream<String> { continuation in
            let handle = stdout.fileHandleForReading
            Thread.detachNewThread {
                var pending = ""
                while true {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    pending += String(decoding: data, as: UTF8.self)
                    while let nl = pending.firstIndex(of: "\n") {
                        continuation.yield(String(pending[..<nl]))
                        pending = String(pending[pending.index(after: nl)...])
                    }
                }
                continuation.finish()
            }
        }
        let found = try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                for await line in lines {
                    if let r = line.range(of: "listening on http://"), let colon = line[r.upperBound...].lastIndex(of: ":") {
                        return Int(line[line.index(after: colon)...].prefix(while: \.isNumber))
                    }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)  // a deadline, not synchronisation
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let found else {
            process.terminate()
            throw HarnessError(description: "tollgate \(arguments.joined(separator: " ")) did not start: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
        }
        port = found
    }

    /// Stops the process with SIGTERM and waits for it to exit. A process still running 15 s
    /// later is killed and reported on stderr with its log's tail, so a shutdown bug shows up
    /// instead of hanging the whole test run (LifecycleLiveTests checks the graceful exit itself).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { usleep(10_000) }  // a deadline, not synchronisation
        if process.isRunning {
            let tail = String(log.suffix(3000))
            FileHandle.standardError.write(Data("harness: \(process.arguments?.joined(separator: " ") ?? "") did not exit 15 s after SIGTERM; killing it. Log tail:\n\(tail)\n".utf8))
            Foundation.kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// Kills the process with SIGKILL (no chance to clean up) and waits for it.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit { stop() }
}

/// Runs `tollgate ARGS` to completion; returns its exit status and what it wrote to stderr.
/// A process still running after `timeout` is killed (a deadline, so a command that should
/// have exited fails its test instead of hanging the run).
func runTollgate(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> (status: Int32, stderr: String) {
    let r = try runTollgateCapturing(arguments, environment: environment, timeout: timeout)
    return (r.status, r.stderr)
}

/// `runTollgate` that also returns stdout.
func runTollgateCapturing(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tollgateBinary)
    p.arguments = arguments
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let err = Pipe()
    let out = Pipe()
    p.standardError = err
    p.standardOutput = out
    try p.run()
    let pid = p.processIdentifier
    let finished = Atomic<Bool>(false)
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
        if !finished.load(ordering: .acquiring) { Foundation.kill(pid, SIGKILL) }
    }
    // Read both pipes at once: a process blocked writing one would never close the other.
    let outData = Mutex(Data())
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        let data = out.fileHandleForReading.readDataToEndOfFile()
        outData.withLock { $0 = data }
        done.signal()
    }
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    done.wait()
    p.waitUntilExit()
    finished.store(true, ordering: .releasing)
    return (p.terminationStatus, String(decoding: outData.withLock { $0 }, as: UTF8.self), text)
}

/// Starts a mock provider on a free port.
func startMock(_ extra: [String] = []) async throws -> TollgateProcess {
    try await TollgateProcess(["mock-provider", "--port", "0"] + extra)
}

/// Writes a config to a fresh directory and starts the gateway with it.
func startGateway(config: String, dataDir: String? = nil, extra: [String] = [], environment: [String: String] = [:]) async throws -> (TollgateProcess, String) {
    let dir = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-it-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/tollgate.yaml"
    // Tests that do not configure the cache get the exact layer only, so their distinct prompts
    // never meet in the semantic layer by accident.
    let cache = config.contains("cache:") ? "" : "cache: { semantic: { enabled: false } }\n"
    try ("listen: { host: 127.0.0.1, port: 0 }\ndata_dir: \(dir)/data\n" + cache + config).write(toFile: path, atomically: true, encoding: .utf8)
    return (try await TollgateProcess(["serve", "--config", path] + extra, environment: environment), dir)
}

/// A provider entry for a config.
func providerYAML(_ name: String, port: Int, kind: String = "openai", model: String = "gpt-4o-mini", input: Double = 0.15, output: Double = 0.60) -> String {
    """
      - name: \(name)
        kind: \(kind)
        base_url: http://127.0.0.1:\(port)/v1
        models:
          - { name: \(model), input_usd_per_mtok: \(input), output_usd_per_mtok: \(output), context_window: 128000, capabilities: [stream, tools, json] }

    """
}

/// An HTTP answer as a test sees it.
struct Reply {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue? { try? JSONValue.parse(body) }
    var cache: String? { headers["x-tollgate-cache"] }
    var content: String? { json?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue }
}

/// Real HTTP over loopback through libcurl.
func post(_ url: String, _ body: String, headers: [(String, String)] = []) async throws -> Reply {
    let r = try await CurlClient.shared.send(UpstreamHTTPRequest(url: url, headers: [("Content-Type", "application/json")] + headers, body: Array(body.utf8)))
    return Reply(status: r.status, headers: r.headers, body: r.body)
}

func get(_ url: String, headers: [(String, String)] = []) async throws -> Reply {
    let r = try await CurlClient.shared.send(UpstreamHTTPRequest(url: url, method: "GET", headers: headers))
    return Reply(status: r.status, headers: r.headers, body: r.body)
}

/// Upstream calls a mock has received.
func upstreamCalls(_ mock: TollgateProcess) async throws -> Int {
    try await get(mock.url + "/_mock/stats").json?["requests"]?.intValue ?? -1
}

func chatBody(_ content: String, model: String = "gpt-4o-mini", extra: String = "") -> String {
    #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(content)"}]\#(extra)}"#
}
