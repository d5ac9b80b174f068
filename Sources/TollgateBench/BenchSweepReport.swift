import Foundation
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// The report of a threshold sweep: a table of every run (threshold alone, with the guard, with the
/// verifier), the curves compared at equal hit ratio, the full report of the default run, and the
/// JSON of all runs.
public enum BenchSweepReport {
    static func ratio(_ p: Proportion) -> String {
        guard let v = p.value, let w = p.wilson else { return "n/a" }
        return String(format: "%.3f [%.3f, %.3f]", v, w.low, w.high)
    }

    /// The sweep table (markdown).
    public static func table(_ points: [SweepPoint], marks: SweepMarks) -> String {
        var t = "| threshold | curve | semantic hits | correct | wrong | precision [95 % CI] | wrong % of requests | hits vs achievable [95 % CI] | refused: other / same class |\n"
        t += "|---:|---|---:|---:|---:|---|---:|---|---|\n"
        for p in points.sorted(by: { ($0.run.threshold, $0.run.curve) < ($1.run.threshold, $1.run.curve) }) {
            let s = p.summary
            let th = BenchStats.threshold(p.run.threshold) + (marks.isMarked(p.run) ? (p.run.curve == marks.primary ? " **(default)**" : " (its default)") : "")
            let wrongPct = s.wrongOfRequests.value.map { String(format: "%.2f %%", 100 * $0) } ?? "n/a"
            let refused = p.run.curve.refuses ? "\(s.refusedOtherClass) / \(s.refusedSameClass)" : "—"
            t += "| \(th) | \(p.run.curve.title) | \(s.semanticHits) | \(s.semanticCorrect) | \(s.semanticWrong) | \(ratio(s.semanticCorrectShare)) | \(wrongPct) | \(ratio(s.hitsOfAchievable)) | \(refused) |\n"
        }
        return t
    }

    /// One curve against a reference curve, point by point: each point's precision and 95 % Wilson
    /// interval against the reference's at the same hit ratio (linearly interpolated between its
    /// points); points beyond the reference's range of hit ratio are not compared. A point is
    /// `above` or `below` only when the two intervals do not overlap; otherwise it is `within`
    /// (not distinguishable on this workload).
    public struct CurveComparison: Sendable {
        public var curve: BenchCurve = .guarded
        public var reference: BenchCurve = .alone
        public var above: [String] = []
        public var within: [String] = []
        public var below: [String] = []
        public var compared: Int { above.count + within.count + below.count }
        /// Above, outside the intervals, at every compared point (and at least one was compared).
        public var allAbove: Bool { compared > 0 && above.count == compared }

        /// The sentences report.md says about it; never claims a side where the intervals overlap.
        public var markdown: String {
            let (a, b) = ("The \(curve.title) curve", "the \(reference.title) curve")
            guard compared > 0 else { return "\(a) and \(b) share no range of hit ratio, so they are not compared.\n\n" }
            if allAbove {
                return "\(a) is above \(b) at every compared point (\(compared)), outside the 95 % Wilson intervals "
                    + "(precision at equal hit ratio, \(b) interpolated).\n\n"
            }
            var md = ""
            if !below.isEmpty {
                md += "\(a) is **below** \(b), outside the 95 % intervals, at \(below.count) of \(compared) compared points:\n\n"
                    + below.map { "- \($0)\n" }.joined() + "\n"
            }
            if !above.isEmpty {
                md += "\(a) is above \(b), outside the 95 % intervals, at \(above.count) of \(compared) compared points:\n\n"
                    + above.map { "- \($0)\n" }.joined() + "\n"
            }
            if !within.isEmpty {
                md += within.count == compared
                    ? "\(a) and \(b) are within each other's 95 % Wilson intervals at every compared point (\(compared)): this workload does not distinguish them.\n\n"
                    : "At the other \(within.count) compared points the two curves are within each other's 95 % intervals (not distinguishable):\n\n"
                        + within.map { "- \($0)\n" }.joined() + "\n"
            }
            return md
        }
    }

    /// Compares `curve`'s points with the `reference` curve (see `CurveComparison`).
    public static func compareCurves(_ points: [SweepPoint], _ curve: BenchCurve = .guarded, against reference: BenchCurve = .alone) -> CurveComparison {
        typealias Row = (h: Double, p: Double, low: Double, high: Double)
        let alone: [Row] = points.filter { $0.run.curve == reference }.compactMap { p in
            guard let h = p.hitRatio, let v = p.precision, let ci = p.precisionCI else { return nil }
            return (h, v, ci.low, ci.high)
        }.sorted { $0.h < $1.h }
        var out = CurveComparison(curve: curve, reference: reference)
        for g in points.sorted(by: { $0.run.threshold < $1.run.threshold }) where g.run.curve == curve {
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
            let text = String(format: "%@ at %@: precision %.3f [%.3f, %.3f] at hit ratio %.3f; %@ there %.3f [%.3f, %.3f]",
                              curve.title, BenchStats.threshold(g.run.threshold), gp, gi.low, gi.high, gh, reference.title, a.p, a.low, a.high)
            if gi.low > a.high { out.above.append(text) } else if gi.high < a.low { out.below.append(text) } else { out.within.append(text) }
        }
        return out
    }

    /// The pairs of curves a sweep compares (those present): the guard and the verifier against the
    /// threshold alone, the verifier against the guard.
    static func comparisons(_ points: [SweepPoint]) -> [CurveComparison] {
        let present = Set(points.map(\.run.curve))
        return [(BenchCurve.guarded, BenchCurve.alone), (.verifier, .alone), (.verifier, .guarded)]
            .filter { present.contains($0.0) && present.contains($0.1) }
            .map { compareCurves(points, $0.0, against: $0.1) }
    }

    /// The run whose lost hits a sweep lists: the primary curve's run at its default threshold, or
    /// when the default is not a point of the sweep, its run nearest it (the stricter on a tie).
    static func lostHitsRun(_ points: [SweepPoint], marks: SweepMarks) -> BenchRun? {
        let marked = marks.primaryMark
        return points.filter { $0.run.curve == marks.primary }.min { a, b in
            let (da, db) = (abs(a.run.threshold - marked), abs(b.run.threshold - marked))
            return abs(da - db) < 1e-9 ? a.run.threshold > b.run.threshold : da < db
        }?.run
    }

    /// report.md of a sweep.
    public static func markdown(_ points: [SweepPoint], _ c: BenchContext, marks: SweepMarks) -> String {
        var md = BenchReport.preamble(c, title: "Hit-ratio benchmark: threshold sweep")
        md += "One run per threshold and curve, each from an empty cache. Plot: `sweep.svg`.\n\n"
        if points.contains(where: { $0.run.curve == .verifier }) {
            md += "On the verifier curve the threshold is the cosine a candidate needs to be shown to the verifier (which serves it at "
                + "p ≥ its threshold, after the guard); on the others it is the cosine a hit needs.\n\n"
        }
        md += table(points, marks: marks) + "\n"
        for comparison in comparisons(points) { md += comparison.markdown }
        let marked = marks.primaryMark
        if !points.contains(where: { $0.run.curve == marks.primary && abs($0.run.threshold - marked) < 1e-9 }) {
            let below = points.map(\.run.threshold).filter { $0 < marked }.max(), above = points.map(\.run.threshold).filter { $0 > marked }.min()
            md += "The default threshold \(BenchStats.threshold(marked)) is not a point of this sweep"
                + (below != nil && above != nil ? " (it falls between \(BenchStats.threshold(below!)) and \(BenchStats.threshold(above!)))" : "")
                + "; `sweep.svg` marks it on each curve by linear interpolation between its neighbours, and as a vertical line.\n\n"
        }
        if points.contains(where: \.run.embeddingsReused) {
            md += String(format: "Embeddings are computed once per text and reused by later runs (the model is deterministic), so only the first run's "
                + "embedding times are real (and, on the verifier curve, verifier times); the first run was threshold %.2f, %@.\n\n",
                points.first?.run.threshold ?? 0, points.first?.run.curve.title ?? "")
        }
        if let ref = points.first(where: { $0.run.curve == marks.primary && abs($0.run.threshold - marked) < 1e-9 }) {
            md += String(format: "## At the default threshold %.2f, %@\n\n", marked, marks.primary.title)
            md += BenchReport.table(ref.summary) + "\n"
            let first = points[0]
            md += String(format: "### Latency (ms), from the first run (threshold %.2f, %@)\n\n", first.run.threshold, first.run.curve.title)
            md += BenchReport.latencyTable(first.summary) + "\n"
        }
        if let lost = lostHitsRun(points, marks: marks) {
            let at = abs(lost.threshold - marked) < 1e-9 ? "the default threshold" : "the \(marks.primary.title) run nearest the default, threshold \(BenchStats.threshold(lost.threshold))"
            md += BenchReport.lostHitsMarkdown(lost, c, heading: "##", at: "at " + at) + "\n"
        }
        return md + BenchReport.definitions
    }

    /// report.json of a sweep.
    public static func json(_ points: [SweepPoint], _ c: BenchContext, marks: SweepMarks) -> JSONValue {
        let comparisons = comparisons(points)
        let lost = lostHitsRun(points, marks: marks)
        func key(_ x: CurveComparison) -> String {
            "\(x.curve == .guarded ? "guard" : x.curve.rawValue)_vs_\(x.reference == .alone ? "threshold_alone" : x.reference == .guarded ? "guard" : x.reference.rawValue)"
        }
        return ["workload": .string(c.workload), "requests": .int(c.requests.count), "model": .string(c.model),
         "embedder": c.embedder.map { .string($0) } ?? nil, "config": .string(c.config), "target": .string(c.target),
         "answer_tokens": .int(c.answerTokens), "default_threshold": .double(marks.primaryMark), "default_curve": .string(marks.primary.rawValue),
         "default_thresholds": .object(marks.byCurve.sorted { $0.key < $1.key }.filter { k in points.contains { $0.run.curve == k.key } }
             .map { ($0.key.rawValue, JSONValue.double($0.value)) }),
         "guard_above_threshold_alone": .bool(comparisons.first { $0.curve == .guarded && $0.reference == .alone }?.allAbove ?? false),
         "comparisons": .object(comparisons.map { x in
             (key(x), ["compared": .int(x.compared), "above": .array(x.above.map { .string($0) }),
                       "within_intervals": .array(x.within.map { .string($0) }), "below": .array(x.below.map { .string($0) })] as JSONValue)
         }),
         "lost_hits": lost.map { run -> JSONValue in
             guard case .object(var fields) = BenchReport.lostHitsJSON(run, c) else { return nil }
             fields.insert(("threshold", .double(run.threshold)), at: 0)
             return .object(fields)
         } ?? nil,
         "points": .array(points.map { BenchReport.json($0.run, $0.summary) })]
    }
}
