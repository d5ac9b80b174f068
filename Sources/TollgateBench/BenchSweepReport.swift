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

    /// The guard's curve against the threshold-alone curve, point by point: each guarded point's
    /// precision and 95 % Wilson interval against the threshold-alone curve's at the same hit
    /// ratio (both linearly interpolated between its points); guarded points beyond that curve's
    /// range of hit ratio are not compared. A point is `above` or `below` only when the two
    /// intervals do not overlap; otherwise it is `within` (not distinguishable on this workload).
    public struct CurveComparison: Sendable {
        public var above: [String] = []
        public var within: [String] = []
        public var below: [String] = []
        public var compared: Int { above.count + within.count + below.count }
        /// Above, outside the intervals, at every compared point (and at least one was compared).
        public var guardAbove: Bool { compared > 0 && above.count == compared }

        /// The sentences report.md says about it; never claims a side where the intervals overlap.
        public var markdown: String {
            guard compared > 0 else { return "The two curves share no range of hit ratio, so they are not compared.\n\n" }
            if guardAbove {
                return "The guard's curve is above the threshold-alone curve at every compared point (\(compared)), outside the 95 % Wilson intervals "
                    + "(precision at equal hit ratio, the threshold-alone curve interpolated).\n\n"
            }
            var md = ""
            if !below.isEmpty {
                md += "The guard's curve is **below** the threshold-alone curve, outside the 95 % intervals, at \(below.count) of \(compared) compared points:\n\n"
                    + below.map { "- \($0)\n" }.joined() + "\n"
            }
            if !above.isEmpty {
                md += "The guard's curve is above the threshold-alone curve, outside the 95 % intervals, at \(above.count) of \(compared) compared points:\n\n"
                    + above.map { "- \($0)\n" }.joined() + "\n"
            }
            if !within.isEmpty {
                md += within.count == compared
                    ? "The two curves are within each other's 95 % Wilson intervals at every compared point (\(compared)): this workload does not distinguish them.\n\n"
                    : "At the other \(within.count) compared points the two curves are within each other's 95 % intervals (not distinguishable):\n\n"
                        + within.map { "- \($0)\n" }.joined() + "\n"
            }
            return md
        }
    }

    /// Compares the guarded points with the threshold-alone curve (see `CurveComparison`).
    public static func compareCurves(_ points: [SweepPoint]) -> CurveComparison {
        typealias Row = (h: Double, p: Double, low: Double, high: Double)
        let alone: [Row] = points.filter { !$0.run.guardOn }.compactMap { p in
            guard let h = p.hitRatio, let v = p.precision, let ci = p.precisionCI else { return nil }
            return (h, v, ci.low, ci.high)
        }.sorted { $0.h < $1.h }
        var out = CurveComparison()
        for g in points.sorted(by: { $0.run.threshold < $1.run.threshold }) where g.run.guardOn {
            guard let gh = g.hitRatio, let gp = g.precision, let gi = g.precisionCI, let lo = alone.first, let hi = alone.last, gh >= lo.h, gh <= hi.h else { continue }
            var a = lo
            for (x, y) in zip(alone, alone.dropFirst()) where x.h <= gh && gh <= y.h {
                if y.h - x.h < 1e-12 {
                    a = x.p >= y.p ? x : y
                } else {
                    let f = (gh - x.h) / (y.h - x.h)
                    a = (gh, x.p + (y.p - x.p) * f, x.low + (y.low - x.low) * f, x.high + (y.high - x.high) * f)
                }
                break
            }
            let text = String(format: "guard at %@: precision %.3f [%.3f, %.3f] at hit ratio %.3f; threshold alone there %.3f [%.3f, %.3f]",
                              BenchStats.threshold(g.run.threshold), gp, gi.low, gi.high, gh, a.p, a.low, a.high)
            if gi.low > a.high { out.above.append(text) } else if gi.high < a.low { out.below.append(text) } else { out.within.append(text) }
        }
        return out
    }

    /// The run whose lost hits a sweep lists: the guarded run at the default threshold, or when
    /// the default is not a point of the sweep, the guarded run nearest it (the stricter on a tie).
    static func lostHitsRun(_ points: [SweepPoint], marked: Double) -> BenchRun? {
        points.filter(\.run.guardOn).min { a, b in
            let (da, db) = (abs(a.run.threshold - marked), abs(b.run.threshold - marked))
            return abs(da - db) < 1e-9 ? a.run.threshold > b.run.threshold : da < db
        }?.run
    }

    /// report.md of a sweep.
    public static func markdown(_ points: [SweepPoint], _ c: BenchContext, marked: Double) -> String {
        var md = BenchReport.preamble(c, title: "Hit-ratio benchmark: threshold sweep")
        md += "One run per threshold and curve, each from an empty cache. Plot: `sweep.svg`.\n\n"
        md += table(points, marked: marked) + "\n"
        if points.contains(where: { !$0.run.guardOn }) && points.contains(where: \.run.guardOn) { md += compareCurves(points).markdown }
        if !points.contains(where: { abs($0.run.threshold - marked) < 1e-9 }) {
            let below = points.map(\.run.threshold).filter { $0 < marked }.max(), above = points.map(\.run.threshold).filter { $0 > marked }.min()
            md += "The default threshold \(BenchStats.threshold(marked)) is not a point of this sweep"
                + (below != nil && above != nil ? " (it falls between \(BenchStats.threshold(below!)) and \(BenchStats.threshold(above!)))" : "")
                + "; `sweep.svg` marks it on each curve by linear interpolation between its neighbours, and as a vertical line.\n\n"
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
        if let lost = lostHitsRun(points, marked: marked) {
            let at = abs(lost.threshold - marked) < 1e-9 ? "the default threshold" : "the guarded run nearest the default, threshold \(BenchStats.threshold(lost.threshold))"
            md += BenchReport.lostHitsMarkdown(lost, c, heading: "##", at: "at " + at) + "\n"
        }
        return md + BenchReport.definitions
    }

    /// report.json of a sweep.
    public static func json(_ points: [SweepPoint], _ c: BenchContext, marked: Double) -> JSONValue {
        let comparison = compareCurves(points)
        let lost = lostHitsRun(points, marked: marked)
        return ["workload": .string(c.workload), "requests": .int(c.requests.count), "model": .string(c.model),
         "embedder": c.embedder.map { .string($0) } ?? nil, "config": .string(c.config), "target": .string(c.target),
         "answer_tokens": .int(c.answerTokens), "default_threshold": .double(marked),
         "guard_above_threshold_alone": .bool(comparison.guardAbove),
         "guard_vs_threshold_alone": ["compared": .int(comparison.compared), "above": .array(comparison.above.map { .string($0) }),
                                      "within_intervals": .array(comparison.within.map { .string($0) }), "below": .array(comparison.below.map { .string($0) })],
         "lost_hits": lost.map { run -> JSONValue in
             guard case .object(var fields) = BenchReport.lostHitsJSON(run, c) else { return nil }
             fields.insert(("threshold", .double(run.threshold)), at: 0)
             return .object(fields)
         } ?? nil,
         "points": .array(points.map { BenchReport.json($0.run, $0.summary) })]
    }
}
