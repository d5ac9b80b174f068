import Foundation
import Logging
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// Runs a whole benchmark in this process — the bench upstream, one gateway per run — and writes
/// its files. `tollgate bench` and the tests share it.
public enum BenchSession {
    /// The embedder the config asks for (minilm, hashing or remote); nil when the semantic layer
    /// is off or the model is missing (the reason is logged).
    public static func embedder(config: GatewayConfig, logger: Logger) -> (any Embedder)? {
        let s = config.cache.semantic
        guard s.enabled else { return nil }
        switch s.embedder {
        case "hashing": return HashingEmbedder()
        case "remote":
            guard let r = s.remote else { return nil }
            return RemoteEmbedder(baseURL: r.baseURL, model: r.model, dimension: r.dimension, apiKeyEnv: r.apiKeyEnv)
        default: return SemanticSetup.loadMiniLM(modelDir: s.modelDir, logger: logger)
        }
    }

    /// One run per (threshold, curve) pair, in that order, each from an empty cache; `curves` nil:
    /// for several thresholds every curve the config allows (`BenchRunner.sweepCurves`), for one
    /// the config's own (`BenchRunner.configuredCurve`). A threshold is sent with each request, so
    /// on the verifier curve it is the candidate gate (the gateway's rule). With `reuseEmbeddings`, a
    /// text is embedded once for the whole sweep and a pair verified once (later runs are marked).
    public static func sweep(workload: [BenchRequest], config: GatewayConfig, embedder: (any Embedder)?, thresholds: [Double?], curves: [BenchCurve]?,
                             reuseEmbeddings: Bool, answerTokens: Int, logger: Logger,
                             progress: (@Sendable (String) -> Void)? = nil) async throws -> (points: [SweepPoint], runner: BenchRunner) {
        let upstream = BenchUpstream(workload: workload, answerTokens: answerTokens)
        let running = try await upstream.start(logger: logger)
        let shared = reuseEmbeddings ? embedder.map { MemoEmbedder($0) as any Embedder } : embedder
        let runner = BenchRunner(workload: workload, config: config, upstreamURL: running.url, embedder: shared, memoize: reuseEmbeddings, logger: logger)
        let curves = curves ?? (thresholds.count > 1 ? runner.sweepCurves : [runner.configuredCurve])
        var points: [SweepPoint] = []
        do {
            for t in thresholds {
                for c in curves {
                    let label = "threshold \(BenchStats.threshold(t ?? runner.configuredThreshold(c))), \(c.title)"
                    var run = try await runner.run(threshold: t, curve: c, upstream: upstream) { n in
                        progress?("\(label): \(n)/\(workload.count)")
                    }
                    run.embeddingsReused = reuseEmbeddings && !points.isEmpty && runner.semanticOn
                    let point = SweepPoint(run: run, summary: BenchSummary(run))
                    if thresholds.count * curves.count > 1 { progress?(BenchReport.text(run, point.summary)) }
                    points.append(point)
                }
            }
        } catch {
            await running.stop()
            throw error
        }
        await running.stop()
        return (points, runner)
    }

    /// Writes report.md, report.json, wrong-hits.jsonl and (guard on) guard-refusals.jsonl of a single run into `dir`.
    public static func writeRun(_ point: SweepPoint, context: BenchContext, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try BenchReport.markdown(point.run, point.summary, context).write(toFile: dir + "/report.md", atomically: true, encoding: .utf8)
        try (BenchReport.reportJSON(point.run, point.summary, context).jsonString + "\n").write(toFile: dir + "/report.json", atomically: true, encoding: .utf8)
        let wrong = BenchReport.wrongHits(point.run, context).map { $0.jsonString + "\n" }.joined()
        try wrong.write(toFile: dir + "/wrong-hits.jsonl", atomically: true, encoding: .utf8)
        if point.run.curve.refuses {
            try BenchReport.refusals(point.run, context).map { $0.jsonString + "\n" }.joined().write(toFile: dir + "/guard-refusals.jsonl", atomically: true, encoding: .utf8)
        }
    }

    /// Writes report.md, report.json, sweep.svg, one wrong-hits file per run and one refusals file per
    /// guard or verifier run into `dir`. `marks`: each curve's default threshold.
    public static func writeSweep(_ points: [SweepPoint], context: BenchContext, marks: SweepMarks, title: String, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try BenchSweepReport.markdown(points, context, marks: marks).write(toFile: dir + "/report.md", atomically: true, encoding: .utf8)
        try (BenchSweepReport.json(points, context, marks: marks).jsonString + "\n").write(toFile: dir + "/report.json", atomically: true, encoding: .utf8)
        let subtitle = "\(context.requests.count) requests, \(context.classes) classes; \(context.embedder ?? "no embedder"); one empty cache per point; "
            + "defaults ringed"
        try SweepPlot.svg(points, title: title, subtitle: subtitle, marks: marks).write(toFile: dir + "/sweep.svg", atomically: true, encoding: .utf8)
        for p in points {
            let name = "wrong-hits-\(BenchStats.threshold(p.run.threshold))-\(p.run.curve.rawValue).jsonl"
            try BenchReport.wrongHits(p.run, context).map { $0.jsonString + "\n" }.joined().write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            if p.run.curve.refuses {
                let refusals = "refusals-\(BenchStats.threshold(p.run.threshold))-\(p.run.curve.rawValue).jsonl"
                try BenchReport.refusals(p.run, context).map { $0.jsonString + "\n" }.joined().write(toFile: dir + "/" + refusals, atomically: true, encoding: .utf8)
            }
        }
    }
}
