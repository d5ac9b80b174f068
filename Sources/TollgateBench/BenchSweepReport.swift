import Foundation
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// The report of a threshold sweep: a table of every run (threshold alone and with the guard),
/// the full report of the marked threshold's guarded run, and the JSON of all runs.
public enum BenchSweepReport {
    static func ratio(_ p: Proportion) -> String {
        guard let v = p.value, let w = p.wilson else { return "n/a" }
        return String(format: "%.3f [%.3f, %.3f]", v, w.low, w.high)
    }

    /// The sweep table (markdown).
    public static func table(_ points: [SweepPoint], marked: Double) -> String {
        var t = "| threshold | guard | semantic hits | correct | wrong | precision [95 % CI] | wrong % of requests | hits vs achievable [95 % CI] | guard refused: other / same class |\n"
        t += "|---:|---|---:|---:|---:|---|---:|---|---|\n"
        for p in points.sorted(by: { ($0.run.threshold, $0.run.guardOn ? 1 : 0) < ($1.run.threshold, $1.run.guardOn ? 1 : 0) }) {
            let s = p.summary
            let isMarked = abs(p.run.threshold - marked) < 1e-9
            let th = BenchStats.threshold(p.run.threshold) + (isMarked ? " **(default)**" : "")
            let wrongPct = s.wrongOfRequests.value.map { String(format: "%.2f %%", 100 * $0) } ?? "n/a"
            let refused = p.run.guardOn ? "\(s.refusedOtherClass) / \(s.refusedSameClass)" : "—"
            t += "| \(th) | \(p.run.guardOn ? "on" : "off") | \(s.semanticHits) | \(s.semanticCorrect) | \(s.semanticWrong) | \(ratio(s.semanticCorrectShare)) | \(wrongPct) | \(ratio(s.hitsOfAchievable)) | \(refused) |\n"
        }
        return t
    }

    /// Does the guard's curve lie above the threshold-alone curve? Each guarded point is compared
    /// with the threshold-alone curve (precision against hit ratio, linearly interpolated) at the
    /// same hit ratio; points beyond the threshold-alone curve's range are not compared.
    public static func guardDominates(_ points: [SweepPoint]) -> (holds: Bool, exceptions: [String]) {
        let alone = points.filter { !$0.run.guardOn }.compactMap { p in p.hitRatio.flatMap { h in p.precision.map { (h, $0) } } }.sorted { $0.0 < $1.0 }
        var exceptions: [String] = []
        for g in points where g.run.guardOn {
            guard let gh = g.hitRatio, let gp = g.precision, let lo = alone.first, let hi = alone.last, gh >= lo.0, gh <= hi.0 else { continue }
            var ap = lo.1
            for (a, b) in zip(alone, alone.dropFirst()) where a.0 <= gh && gh <= b.0 {
                ap = b.0 - a.0 < 1e-12 ? max(a.1, b.1) : a.1 + (b.1 - a.1) * (gh - a.0) / (b.0 - a.0)
                break
            }
            if gp + 1e-9 < ap {
                exceptions.append(String(format: "guard at %.2f: precision %.3f at hit ratio %.3f, threshold alone %.3f there", g.run.threshold, gp, gh, ap))
            }
        }
        return (exceptions.isEmpty, exceptions)
    }

    /// report.md of a sweep.
    public static func markdown(_ points: [SweepPoint], _ c: BenchContext, marked: Double) -> String {
        var md = BenchReport.preamble(c, title: "Hit-ratio benchmark: threshold sweep")
        md += "One run per threshold and curve, each from an empty cache. Plot: `sweep.svg`.\n\n"
        md += table(points, marked: marked) + "\n"
        let dominance = guardDominates(points)
        if points.contains(where: { !$0.run.guardOn }) {
            md += dominance.holds ? "The guard's curve is above the threshold-alone curve wherever both are measured (precision at equal hit ratio, interpolated).\n\n"
                : "The guard's curve is **not** above the threshold-alone curve everywhere:\n\n" + dominance.exceptions.map { "- \($0)\n" }.joined() + "\n"
        }
        if points.contains(where: \.run.embeddingsReused) {
            md += String(format: "Embeddings are computed once per text and reused by later runs (the model is deterministic), so only the first run's "
                + "embedding times are real; the first run was threshold %.2f, guard %@.\n\n", points.first?.run.threshold ?? 0, points.first?.run.guardOn == true ? "on" : "off")
        }
        if let ref = points.first(where: { $0.run.guardOn && abs($0.run.threshold - marked) < 1e-9 }) {
            md += String(format: "## At the default threshold %.2f, with the guard\n\n", marked)
            md += BenchReport.table(ref.summary) + "\n"
            let first = points[0]
            md += String(format: "### Latency (ms), from the first run (threshold %.2f, guard %@)\n\n", first.run.threshold, first.run.guardOn ? "on" : "off")
            md += BenchReport.latencyTable(first.summary) + "\n"
        }
        return md + BenchReport.definitions
    }

    /// report.json of a sweep.
    public static func json(_ points: [SweepPoint], _ c: BenchContext, marked: Double) -> JSONValue {
        ["workload": .string(c.workload), "requests": .int(c.requests.count), "model": .string(c.model),
         "embedder": c.embedder.map { .string($0) } ?? nil, "config": .string(c.config), "target": .string(c.target),
         "answer_tokens": .int(c.answerTokens), "default_threshold": .double(marked),
         "guard_above_threshold_alone": .bool(guardDominates(points).holds),
         "points": .array(points.map { BenchReport.json($0.run, $0.summary) })]
    }
}
