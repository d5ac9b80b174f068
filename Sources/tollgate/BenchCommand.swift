import ArgumentParser
import Foundation
import Logging
import TollgateCore

/// `tollgate bench`: how many requests the cache saves, how much money, and how many wrong
/// answers it serves, on a workload of labelled requests.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Hit-ratio benchmark: replay a workload through the request path and score every answer.",
        subcommands: [BenchRunCommand.self, BenchImportCommand.self, BenchUpstreamCommand.self],
        defaultSubcommand: BenchRunCommand.self)
}

/// `tollgate bench [run] --workload FILE …`: one run, or one per threshold with `--sweep`.
struct BenchRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay a workload (in process, or against --url) and report hits, wrong hits, savings and latency.")

    @Option(help: "JSON Lines workload: {\"prompt\"|\"request\", \"class\"} a line (benchmarks/bench/README.md).") var workload: String
    @Option(help: "YAML configuration (cache settings, models, prices); default: the embedded default.") var config: String?
    @Option(help: "Drive a running gateway over HTTP instead (its upstream must be `tollgate bench upstream` on the same workload).") var url: String?
    @Option(help: "Similarity threshold sent with every request (default: the gateway's own).") var threshold: Double?
    @Option(help: "Thresholds FROM:TO:STEP, one run each per curve: threshold alone, with the guard, with the verifier (its candidate gate).") var sweep: String?
    @Option(help: "Directory for report.md, report.json, wrong hits and (with --sweep) sweep.svg.") var out: String?
    @Option(help: "Model of `prompt` lines (default: the config's first model).") var model: String?
    @Option(help: "Use only the first N requests of the workload.") var limit: Int?
    @Option(help: "Threshold to mark as the default in a sweep, on every curve (default: each curve's own).") var mark: Double?
    @Option(help: "Curves: alone, guard, verifier, comma-separated (default: a single run the config's own; a sweep every curve).") var curves: String?
    @Flag(help: "Single run with the threshold alone (the look-alike guard and verifier off); same as --curves alone.") var noGuard = false
    @Flag(help: "In a sweep, embed every text in every run (slower; real embedding times everywhere).") var freshEmbeddings = false
    @Option(help: "Answer length of the bench upstream, in tokens (sets the dollars per call).") var answerTokens = 200
    @Option(help: "With --url: client key (Authorization: Bearer); default: $TOLLGATE_API_KEY (keeps it out of the process list).") var apiKey: String?
    @Option(help: "With --url: admin key, to purge the gateway's cache before each run; default: $TOLLGATE_ADMIN_KEY.") var adminKey: String?
    @Option(help: "Title of the sweep plot.") var title: String?
    @Option(help: "Log level (stderr).") var logLevel: LogLevelOption?

    func validate() throws {
        if threshold != nil && sweep != nil { throw ValidationError("use --threshold or --sweep, not both") }
        if let sweep, BenchStats.sweep(sweep) == nil { throw ValidationError("--sweep: expected FROM:TO:STEP within 0…1, e.g. 0.80:0.98:0.02") }
        if url != nil && (noGuard || curves != nil) { throw ValidationError("--no-guard and --curves need the in-process gateway (a running gateway's guard cannot be switched off)") }
        if let curves, Self.parseCurves(curves) == nil { throw ValidationError("--curves: expected a comma-separated list of alone, guard, verifier") }
        if noGuard && curves != nil { throw ValidationError("use --no-guard or --curves, not both") }
    }

    static func parseCurves(_ s: String) -> [BenchCurve]? {
        let parts = s.split(separator: ",").map { BenchCurve(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, !parts.contains(where: { $0 == nil || $0 == .gateway }) else { return nil }
        return parts.map { $0! }
    }

    func run() async throws {
        let logger = bootstrapLogging(logLevel ?? .warning, format: .text)
        let cfg: GatewayConfig
        do {
            cfg = try config.map { try ConfigLoader.load(path: $0) } ?? DefaultConfig.config()
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("tollgate: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let modelName = model ?? cfg.providers.first?.models.first?.name ?? "gpt-4o-mini"
        let requests: [BenchRequest]
        do {
            requests = try Workload.load(path: workload, model: modelName, limit: limit)
        } catch {
            FileHandle.standardError.write(Data("tollgate: \(error)\n".utf8))
            throw ExitCode(2)
        }
        guard !requests.isEmpty else {
            FileHandle.standardError.write(Data("tollgate: the workload is empty\n".utf8))
            throw ExitCode(2)
        }
        let thresholds: [Double?] = sweep.flatMap(BenchStats.sweep) ?? [threshold]
        let progress: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data(("bench: " + line + (line.hasSuffix("\n") ? "" : "\n")).utf8)) }

        var points: [SweepPoint] = []
        var context: BenchContext
        var marks = SweepMarks.all(mark ?? SemanticCache.defaultThreshold, primary: .gateway)
        let configName = config ?? "embedded default"
        let env = ProcessInfo.processInfo.environment
        let apiKey = self.apiKey ?? env["TOLLGATE_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let adminKey = self.adminKey ?? env["TOLLGATE_ADMIN_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let url {
            for t in thresholds {
                let run = try await BenchRunner.runHTTP(workload: requests, url: url, threshold: t, apiKey: apiKey, adminKey: adminKey, logger: logger) { n in
                    progress(String(format: "threshold %.2f: %d/%d", t ?? SemanticCache.defaultThreshold, n, requests.count))
                }
                let p = SweepPoint(run: run, summary: BenchSummary(run))
                progress(BenchReport.text(run, p.summary))
                points.append(p)
            }
            context = BenchContext(workload: workload, requests: requests, model: modelName, embedder: "the gateway's", config: "the gateway's",
                                   target: url, configuredThreshold: mark ?? SemanticCache.defaultThreshold, answerTokens: answerTokens)
        } else {
            let embedder = BenchSession.embedder(config: cfg, logger: logger)
            if cfg.cache.semantic.enabled && embedder == nil {
                FileHandle.standardError.write(Data("tollgate: warning: no embedder; the bench measures the exact layer only. \(SemanticSetup.modelHint)\n".utf8))
            }
            let chosen: [BenchCurve]? = noGuard ? [.alone] : curves.flatMap(Self.parseCurves)
            let (result, runner) = try await BenchSession.sweep(workload: requests, config: cfg, embedder: embedder, thresholds: thresholds,
                                                                curves: chosen,
                                                                reuseEmbeddings: sweep != nil && !freshEmbeddings, answerTokens: answerTokens,
                                                                logger: logger, progress: progress)
            points = result
            context = BenchContext(workload: workload, requests: requests, model: modelName, embedder: runner.semanticOn ? embedder?.name : nil,
                                   config: configName, target: "in process (Gateway → LMDB → semantic layer → router → libcurl → bench upstream on loopback)",
                                   configuredThreshold: mark ?? runner.configuredThreshold, answerTokens: answerTokens)
            marks = mark.map { SweepMarks.all($0, primary: runner.configuredCurve) }
                ?? SweepMarks(byCurve: Dictionary(uniqueKeysWithValues: BenchCurve.allCases.map { ($0, runner.configuredThreshold($0)) }), primary: runner.configuredCurve)
            if !points.contains(where: { $0.run.curve == marks.primary }), let c = points.first?.run.curve { marks.primary = c }
        }

        for p in points where !p.summary.inconsistencies.isEmpty {
            FileHandle.standardError.write(Data("tollgate: inconsistent accounting: \(p.summary.inconsistencies.joined(separator: "; "))\n".utf8))
        }
        if sweep != nil {
            say(BenchSweepReport.table(points, marks: marks))
            if let out {
                let name = URL(fileURLWithPath: workload).lastPathComponent
                try BenchSession.writeSweep(points, context: context, marks: marks, title: title ?? "Semantic cache hit-ratio sweep: \(name)", to: out)
                say("wrote \(out)/report.md, \(out)/report.json, \(out)/sweep.svg")
            }
        } else if let p = points.first {
            say(BenchReport.text(p.run, p.summary))
            if let out {
                try BenchSession.writeRun(p, context: context, to: out)
                say("wrote \(out)/report.md, \(out)/report.json, \(out)/wrong-hits.jsonl" + (p.run.curve.refuses ? ", \(out)/guard-refusals.jsonl" : ""))
            }
        }
    }
}

/// `tollgate bench import --format qqp|paws|gptcache --split even|odd|all IN OUT`.
struct BenchImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Build a workload from a labelled paraphrase data set (classes by union–find over duplicate pairs).")

    @Option(help: "Input format: qqp (JSON text_a/text_b/label), paws (TSV id/sentence1/sentence2/label), gptcache (JSON origin/similar).")
    var format: String
    @Option(help: "Rows to use by index: even, odd or all.") var split = "all"
    @Option(help: "Seed of the shuffle (the same seed gives the same workload).") var seed: UInt64 = 1
    @Option(help: "At most N requests (whole groups of related questions, chosen at random).") var limit: Int?
    @Option(help: "Leave out the groups that --limit N (same seed and split) would choose: --skip N --limit M shares no question with --limit N.")
    var skip: Int?
    @Argument(help: "Input data file.") var input: String
    @Argument(help: "Output workload (JSON Lines).") var output: String

    func run() async throws {
        guard let f = WorkloadImporter.Format(rawValue: format) else { throw ValidationError("--format: expected qqp, paws or gptcache") }
        guard let s = WorkloadImporter.Split(rawValue: split) else { throw ValidationError("--split: expected even, odd or all") }
        if let skip, skip < 0 { throw ValidationError("--skip: expected a count of requests, 0 or more") }
        let pairs: [WorkloadImporter.Pair]
        do {
            pairs = try WorkloadImporter.readPairs(format: f, path: input)
        } catch {
            FileHandle.standardError.write(Data("tollgate: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let (items, summary) = WorkloadImporter.build(pairs: pairs, split: s, seed: seed, limit: limit, skip: skip)
        try WorkloadImporter.jsonLines(items).write(toFile: output, atomically: true, encoding: .utf8)
        say("\(output): \(summary.requests) requests from \(summary.pairs) pairs (\(summary.paraphrasePairs) paraphrase pairs); "
            + "\(summary.classes) classes, \(summary.sharedClasses) with two members or more; at most \(summary.achievable) achievable hits")
    }
}

/// `tollgate bench upstream --workload FILE --port P`: the bench upstream as a server, for a
/// gateway driven with `tollgate bench --url`.
struct BenchUpstreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upstream",
        abstract: "Serve the bench upstream (answers by equivalence class) for a gateway under `tollgate bench --url`.")

    @Option(help: "The workload the gateway will be sent.") var workload: String
    @Option(help: "Listen port; 0 picks a free one.") var port = 0
    @Option(help: "Listen address.") var host = "127.0.0.1"
    @Option(help: "Answer length in tokens.") var answerTokens = 200

    func run() async throws {
        let logger = bootstrapLogging(.warning, format: .text)
        let requests = try Workload.load(path: workload, model: "gpt-4o-mini")  // answers depend on the messages only
        let upstream = BenchUpstream(workload: requests, answerTokens: answerTokens)
        let host = self.host
        let app = upstream.application(host: host, port: port, logger: logger) { port in say("bench upstream listening on http://\(host):\(port)") }
        try await app.runService()
    }
}
