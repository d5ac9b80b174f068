import Foundation
import Testing
import TollgateCore

/// Runs `tollgate ARGS` to completion (with a deadline); returns its exit status and stdout.
private func runTollgate(_ arguments: [String], in directory: String? = nil, timeout: Duration = .seconds(240)) async throws -> (status: Int32, stdout: String) {
    let process = Process()
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("bench-out-\(UUID().uuidString).txt").path
    FileManager.default.createFile(atPath: out, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: out) }
    process.executableURL = URL(fileURLWithPath: tollgateBinary)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.standardOutput = FileHandle(forWritingAtPath: out)
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning {
        if ContinuousClock.now > deadline {
            process.terminate()
            throw HarnessError(description: "tollgate \(arguments.joined(separator: " ")) did not finish in \(timeout)")
        }
        try await Task.sleep(for: .milliseconds(50))  // polling for exit, under a deadline
    }
    return (process.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
}

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
private let ownWorkload = packageRoot + "/benchmarks/workloads/own.jsonl"

private func temporaryDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-bench-it-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// The model the semantic layer needs (`make model`). Without it the bench measures the exact
/// layer only, and a test of semantic scoring would pass on zeros: it fails here instead.
private func requireModel() throws {
    let file = modelDirectory + "/model.safetensors"
    try #require(FileManager.default.fileExists(atPath: file), "no all-MiniLM-L6-v2 model at \(file): run `make model` (or set TOLLGATE_MODEL_DIR)")
}

@Suite("Live: tollgate bench")
struct BenchLiveTests {
    @Test func importBuildsTheSameWorkloadFromTheSameSeed() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A QQP-shaped file of our own: two paraphrase pairs sharing a question, one look-alike.
        let pairs = """
            [{"text_a": "How do I bake bread?", "text_b": "What is the way to bake bread?", "label": 1},
             {"text_a": "skip me (even row)", "text_b": "skip me too", "label": 1},
             {"text_a": "What is the way to bake bread?", "text_b": "How can I bake a loaf of bread?", "label": 1},
             {"text_a": "skip", "text_b": "skipped", "label": 0},
             {"text_a": "How do I bake bread?", "text_b": "How do I bake cake?", "label": 0}]
            """
        try pairs.write(toFile: dir + "/pairs.json", atomically: true, encoding: .utf8)
        for name in ["a", "b"] {
            let r = try await runTollgate(["bench", "import", "--format", "qqp", "--split", "even", "--seed", "5", dir + "/pairs.json", dir + "/\(name).jsonl"])
            #expect(r.status == 0 && r.stdout.contains("4 requests"), "\(r.stdout)")
        }
        let a = try String(contentsOfFile: dir + "/a.jsonl", encoding: .utf8)
        #expect(a == (try String(contentsOfFile: dir + "/b.jsonl", encoding: .utf8)))
        let lines = try Workload.parse(a, model: "m")
        #expect(lines.count == 4 && Set(lines.compactMap(\.classID)).count == 2)
        #expect(!a.contains("skip"))
        let bad = try await runTollgate(["bench", "import", "--format", "nope", dir + "/pairs.json", dir + "/c.jsonl"])
        #expect(bad.status != 0)
    }

    @Test func inProcessSweepWritesItsFiles() async throws {
        try requireModel()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await runTollgate(["bench", "--workload", ownWorkload, "--limit", "60", "--sweep", "0.90:0.93:0.03", "--out", dir], in: packageRoot)
        #expect(r.status == 0, "\(r.stdout)")
        // Three curves; each marked at its own default: the verifier at its 0.90 gate, the others at 0.93.
        #expect(r.stdout.contains("| 0.90 **(default)** | verifier + guard |") && r.stdout.contains("| 0.93 (its default) | threshold + guard |"), "\(r.stdout)")
        for file in ["report.md", "report.json", "sweep.svg", "wrong-hits-0.90-alone.jsonl", "wrong-hits-0.93-verifier.jsonl", "refusals-0.90-verifier.jsonl",
                     "refusals-0.93-guard.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file) missing")
        }
        let json = try JSONValue.parse(try #require(FileManager.default.contents(atPath: dir + "/report.json")))
        #expect(json["points"]?.arrayValue?.count == 6)
        #expect(json["points"]?.arrayValue?.compactMap { $0["curve"]?.stringValue } == ["verifier", "guard", "alone", "verifier", "guard", "alone"])
        #expect(json["default_curve"]?.stringValue == "verifier" && json["comparisons"]?["verifier_vs_guard"] != nil, "\(json.jsonString.prefix(600))")
        #expect(json["points"]?.arrayValue?.allSatisfy { $0["summary"]?["requests"]?.intValue == 60 } == true)
        // The semantic layer ran: an embedder was loaded and the loosest point found paraphrases.
        #expect(json["embedder"]?.stringValue != nil, "the bench ran without an embedder (exact layer only): \(r.stdout)")
        let semantic = json["points"]?.arrayValue?.map { $0["summary"]?["semantic_hits"]?.intValue ?? 0 } ?? []
        #expect(semantic.contains { $0 > 0 }, "no semantic hit at any point: \(semantic)")
    }

    /// `--url`: a gateway started on its own, whose upstream is `tollgate bench upstream`.
    @Test func urlModeDrivesARunningGatewayAndScoresItsAnswers() async throws {
        try requireModel()
        let upstream = try await TollgateProcess(["bench", "upstream", "--workload", ownWorkload, "--port", "0"])
        let (gateway, _) = try await startGateway(config: semanticYAML + "providers:\n" + providerYAML("bench", port: upstream.port))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await runTollgate(["bench", "--workload", ownWorkload, "--limit", "80", "--url", gateway.url, "--out", dir])
        #expect(r.status == 0, "\(r.stdout)")
        let json = try JSONValue.parse(try #require(FileManager.default.contents(atPath: dir + "/report.json")))
        let s = try #require(json["run"]?["summary"])
        let (hits, misses) = ((s["exact_hits"]?.intValue ?? -1) + (s["semantic_hits"]?.intValue ?? -1), s["misses"]?.intValue ?? -1)
        #expect(s["requests"]?.intValue == 80 && s["errors"]?.intValue == 0 && hits + misses == 80)
        #expect((s["exact_hits"]?.intValue ?? 0) + (s["semantic_hits"]?.intValue ?? 0) > 0)
        // Every answer came from the bench upstream, so every hit was scored (and there are
        // some: a gateway without its model would score nothing and pass on 0 + 0 == 0).
        #expect((s["semantic_hits"]?.intValue ?? 0) > 0, "no semantic hit: did the gateway load its model? \(r.stdout)")
        #expect((s["semantic_correct"]?["count"]?.intValue ?? -1) + (s["semantic_wrong"]?["count"]?.intValue ?? -1) == s["semantic_hits"]?.intValue)
        #expect(try await get(upstream.url + "/_mock/stats").json?["requests"]?.intValue == misses)

        // A second run purges the gateway's cache first: it starts from empty again.
        let again = try await runTollgate(["bench", "--workload", ownWorkload, "--limit", "80", "--url", gateway.url, "--out", dir])
        #expect(again.status == 0)
        let s2 = try JSONValue.parse(try #require(FileManager.default.contents(atPath: dir + "/report.json")))["run"]?["summary"]
        #expect(s2?["misses"]?.intValue == misses)
    }
}
