import Foundation
import Logging
import Testing

import TollgateCore
@testable import TollgateBase
@testable import TollgateSemantic
@testable import TollgateBench

/// The sweep report and plot on synthetic sweeps: the default threshold marked between sweep
/// points, labels that do not overprint, whiskers that do not hide each other, comparisons only
/// where the 95 % intervals separate the curves; the lost achievable hits; the docs' default.
@Suite struct BenchReportTests {
    // MARK: Synthetic sweeps

    static func point(_ t: Double, curve: BenchCurve, correct: Int, wrong: Int, hitRatio: Double, achievable: Int = 1000) -> SweepPoint {
        let run = BenchRun(threshold: t, curve: curve, outcomes: [], upstreamCalls: 0, wallSeconds: 1, target: "in process")
        var s = BenchSummary(run)
        s.semanticCorrect = correct
        s.semanticWrong = wrong
        s.semanticHits = correct + wrong
        s.achievable = achievable
        s.correctHits = Int((hitRatio * Double(achievable)).rounded())
        return SweepPoint(run: run, summary: s)
    }

    static let thresholds = stride(from: 0.80, through: 0.9801, by: 0.02).map { ($0 * 100).rounded() / 100 }

    /// Two curves over `thresholds` (three with `verifier`): the same hit ratios, precision falling
    /// with the hit ratio; the threshold-alone curve's precision `offset` below the guard's (above
    /// when negative); the verifier's `verifier` above the guard's at a hit ratio `verifierShift` higher.
    static func sweep(offset: Double = 0, hits: Int = 1000, verifier: Double? = nil, verifierShift: Double = 0.04) -> [SweepPoint] {
        thresholds.flatMap { t -> [SweepPoint] in
            let h = 0.9 - 2.5 * (t - 0.80), p = 0.6 + 2 * (t - 0.80)
            let q = min(0.99, max(0.3, p - offset))
            var out = [point(t, curve: .guarded, correct: Int(p * Double(hits)), wrong: hits - Int(p * Double(hits)), hitRatio: h),
                       point(t, curve: .alone, correct: Int(q * Double(hits)), wrong: hits - Int(q * Double(hits)), hitRatio: h)]
            if let verifier {
                let v = min(0.995, max(0.3, p + verifier))
                out.append(point(t, curve: .verifier, correct: Int(v * Double(hits)), wrong: hits - Int(v * Double(hits)), hitRatio: min(1, h + verifierShift)))
            }
            return out
        }
    }

    /// Marks as `tollgate bench` sets them: the verifier's at its gate, the others at `marked`.
    static func marks(_ marked: Double, verifier: Double? = nil) -> SweepMarks {
        var by: [BenchCurve: Double] = [.alone: marked, .guarded: marked]
        if let verifier { by[.verifier] = verifier }
        return SweepMarks(byCurve: by, primary: verifier == nil ? .guarded : .verifier)
    }

    static let context = BenchContext(workload: "synthetic", requests: [], model: "m", embedder: "hashing", config: "test", target: "in process",
                                      configuredThreshold: 0.93, answerTokens: 10)

    // MARK: SVG geometry

    static func matches(_ pattern: String, _ text: String) -> [[String]] {
        let re = try! NSRegularExpression(pattern: pattern)
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            (1..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : ns.substring(with: m.range(at: $0)) }
        }
    }

    /// The texts of the left panel that label a point (a threshold, maybe "(default…)").
    static func pointLabels(_ svg: String) -> [(x: Double, y: Double, size: Double, anchor: String, text: String)] {
        matches(#"<text x="([-0-9.]+)" y="([-0-9.]+)" font-size="([0-9]+)" text-anchor="(\w+)"[^>]*>([^<]*)</text>"#, svg).compactMap { m in
            guard let x = Double(m[0]), let y = Double(m[1]), let size = Double(m[2]), x > 76, x < 600, y > 90, y < 430,  // not the axes' ticks
                  m[4].range(of: #"^0\.\d{2,3}( \(default.*\))?$"#, options: .regularExpression) != nil else { return nil }
            return (x, y, size, m[3], m[4])
        }
    }

    /// The right panel's names: the defaults' lines and the primary curve's two lines.
    static func curveNames(_ svg: String) -> [(x: Double, y: Double, size: Double, anchor: String, text: String)] {
        matches(#"<text x="([-0-9.]+)" y="([-0-9.]+)" font-size="([0-9]+)" text-anchor="(\w+)"[^>]*>([^<]*)</text>"#, svg).compactMap { m in
            guard let x = Double(m[0]), let y = Double(m[1]), let size = Double(m[2]), x > 640, y > 90, y < 430,
                  m[4].hasPrefix("default ") || m[4].range(of: #"^0\.\d+ \("#, options: .regularExpression) != nil
                    || m[4] == "precision" || m[4] == "hit ratio" else { return nil }
            return (x, y, size, m[3], m[4])
        }
    }

    /// Vertical lines of one colour in the left panel (the whiskers).
    static func whiskerXs(_ svg: String, color: String) -> [Double] {
        matches(#"<line x1="([-0-9.]+)" y1="([-0-9.]+)" x2="([-0-9.]+)" y2="([-0-9.]+)" stroke="([^"]+)""#, svg).compactMap { m in
            guard m[4] == color, m[0] == m[2], let x = Double(m[0]), x < 600, m[1] != m[3] else { return nil }
            return x
        }
    }

    @Test(arguments: [nil, 0.03, -0.02] as [Double?])
    func labelsNeverOverprintEachOther(verifier: Double?) {
        for offset in stride(from: -0.08, through: 0.0801, by: 0.005) {
            for marked in [0.92, 0.93] {
                let marks = Self.marks(marked, verifier: verifier == nil ? nil : 0.90)
                let svg = SweepPlot.svg(Self.sweep(offset: offset, verifier: verifier), title: "t", subtitle: "s", marks: marks)
                let primary = marks.primaryMark
                let labels = Self.pointLabels(svg) + Self.curveNames(svg)
                // A glyph box smaller than the placer's own estimate: what is surely ink.
                let boxes = labels.map { l -> (Double, Double, Double, Double) in
                    let w = Double(l.text.count) * l.size * 0.5
                    let x0 = l.anchor == "end" ? l.x - w : l.anchor == "middle" ? l.x - w / 2 : l.x
                    return (x0, l.y - 0.75 * l.size, x0 + w, l.y + 0.1 * l.size)
                }
                for i in boxes.indices {
                    for j in boxes.indices where j > i {
                        let (a, b) = (boxes[i], boxes[j])
                        let overlap = a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
                        #expect(!overlap, "offset \(offset), default \(marked): `\(labels[i].text)` at \(labels[i].x),\(labels[i].y) overprints `\(labels[j].text)` at \(labels[j].x),\(labels[j].y)")
                    }
                }
                #expect(labels.count >= 9, "offset \(offset): too few labels left: \(labels.map(\.text))")
                #expect(labels.contains { $0.text == "default " + BenchStats.threshold(primary) }, "offset \(offset): the default's line is not named")
                #expect(labels.contains { $0.text.hasPrefix(BenchStats.threshold(primary) + " (default") }, "offset \(offset): the default is not labelled")
            }
        }
    }

    @Test func whiskersOfTheCurvesDoNotCoincide() {
        // The verifier curve at the same hit ratios as the others: the worst case for whiskers.
        let svg = SweepPlot.svg(Self.sweep(offset: 0, verifier: 0, verifierShift: 0), title: "t", subtitle: "s", marks: Self.marks(0.92, verifier: 0.90))
        let guarded = Self.whiskerXs(svg, color: SweepPlot.style(.guarded).color), alone = Self.whiskerXs(svg, color: SweepPlot.style(.alone).color)
        let verified = Self.whiskerXs(svg, color: SweepPlot.style(.verifier).color)
        #expect(guarded.count == Self.thresholds.count && alone.count == Self.thresholds.count && verified.count == Self.thresholds.count,
                "\(guarded) \(alone) \(verified)")
        #expect(Set(guarded).isDisjoint(with: Set(alone)) && Set(verified).isDisjoint(with: Set(alone)) && Set(verified).isDisjoint(with: Set(guarded)),
                "one curve's whiskers are drawn over another's: \(guarded) \(alone) \(verified)")
        for x in guarded { #expect(alone.contains { abs(x - $0 - 6) < 0.2 }, "no threshold-alone whisker 6 px left of \(x)") }
        for x in verified { #expect(guarded.contains { abs($0 - x - 3) < 0.2 }, "no guard whisker 3 px right of \(x)") }
    }

    @Test func eachCurveIsRingedAtItsOwnDefault() throws {
        // The verifier's default (its 0.90 gate) is a point; the others' 0.93 falls between points.
        let points = Self.sweep(offset: 0.05, verifier: 0.03)
        let svg = SweepPlot.svg(points, title: "t", subtitle: "s", marks: Self.marks(0.93, verifier: 0.90))
        let solid = Self.matches(##"<circle cx="([-0-9.]+)" cy="([-0-9.]+)" r="9" fill="none" stroke="#111" stroke-width="1.5"/>"##, svg)
        let dashed = Self.matches(##"<circle cx="([-0-9.]+)" cy="([-0-9.]+)" r="9"[^>]*stroke-dasharray[^>]*>"##, svg)
        #expect(solid.count == 1 && dashed.count == 2, "verifier ringed at its point, guard and alone interpolated: \(solid) \(dashed)")
        #expect(svg.contains(">0.90 (default)</text>"), "the verifier's default is the labelled default")
        #expect(!svg.contains("0.93 (default"), "the guard's 0.93 is not called the default when the verifier is")
        #expect(svg.contains(">default 0.90</text>"), "the default's line")
        #expect(svg.contains("(threshold alone, threshold + guard)</text>"), "the other curves' default line is named after them")
        let md = BenchSweepReport.markdown(points, Self.context, marks: Self.marks(0.93, verifier: 0.90))
        #expect(md.contains("## At the default threshold 0.90, verifier + guard"), "\(md.prefix(3000))")
        #expect(md.contains("| 0.90 **(default)** | verifier + guard |"), "\(md.prefix(3000))")
        #expect(md.contains("The verifier + guard curve is above the threshold alone curve") || md.contains("The verifier + guard curve and the threshold alone curve"),
                "\(md.prefix(4000))")
    }

    @Test func theDefaultIsMarkedWhenItFallsBetweenSweepPoints() throws {
        let points = Self.sweep(offset: 0.05)
        let svg = SweepPlot.svg(points, title: "t", subtitle: "s", marks: Self.marks(0.93))
        let rings = Self.matches(#"<circle cx="([-0-9.]+)" cy="([-0-9.]+)" r="9"[^>]*>"#, svg)
        #expect(rings.count == 2, "one ring per curve at 0.93: \(rings)")
        #expect(svg.contains(">0.93 (default, interpolated)</text>"), "the default's label")
        // The guard's ring sits on its curve between the 0.92 and 0.94 points.
        let markers = Self.matches(#"<circle cx="([-0-9.]+)" cy="([-0-9.]+)" r="4" fill="\#(SweepPlot.style(.guarded).color)"/>"#, svg).compactMap { m in
            Double(m[0]).flatMap { x in Double(m[1]).map { (x, $0) } }
        }
        let guardPoints = markers.filter { $0.0 < 600 }
        let i92 = try #require(Self.thresholds.firstIndex(of: 0.92)), i94 = try #require(Self.thresholds.firstIndex(of: 0.94))
        let (a, b) = (guardPoints[i92], guardPoints[i94])
        let centres = rings.compactMap { m in Double(m[0]).flatMap { x in Double(m[1]).map { (x, $0) } } }
        #expect(centres.contains { c in
            (min(a.0, b.0) < c.0 && c.0 < max(a.0, b.0)) && (min(a.1, b.1) < c.1 && c.1 < max(a.1, b.1))
        }, "no ring between \(a) and \(b): \(centres)")
        let md = BenchSweepReport.markdown(points, Self.context, marks: Self.marks(0.93))
        #expect(md.contains("The default threshold 0.93 is not a point of this sweep (it falls between 0.92 and 0.94)"), "\(md.prefix(2000))")
    }

    // MARK: Comparing the curves

    @Test func aCurveIsAboveOnlyWhenTheIntervalsSeparate() throws {
        // 10,000 semantic hits a point, precision 0.05 apart: the intervals separate.
        let apart = Self.sweep(offset: 0.05, hits: 10_000)
        let md = BenchSweepReport.markdown(apart, Self.context, marks: Self.marks(0.92))
        #expect(md.contains("The threshold + guard curve is above the threshold alone curve at every compared point"), "\(md)")
        #expect(BenchSweepReport.json(apart, Self.context, marks: Self.marks(0.92))["guard_above_threshold_alone"]?.boolValue == true)

        // 20 semantic hits a point, the same gap: the intervals overlap, so no side is claimed.
        let close = Self.sweep(offset: 0.05, hits: 20)
        let md2 = BenchSweepReport.markdown(close, Self.context, marks: Self.marks(0.92))
        #expect(md2.contains("within each other's 95 % Wilson intervals at every compared point"), "\(md2)")
        #expect(!md2.contains("curve is above") && !md2.contains("curve is **below**"), "\(md2)")
        let json = BenchSweepReport.json(close, Self.context, marks: Self.marks(0.92))
        #expect(json["guard_above_threshold_alone"]?.boolValue == false)
        #expect(json["comparisons"]?["guard_vs_threshold_alone"]?["within_intervals"]?.arrayValue?.count == Self.thresholds.count, "\(json.jsonString.prefix(600))")

        // The threshold alone clearly better: below, said so.
        let worse = Self.sweep(offset: -0.05, hits: 10_000)
        let md3 = BenchSweepReport.markdown(worse, Self.context, marks: Self.marks(0.92))
        #expect(md3.contains("The threshold + guard curve is **below** the threshold alone curve") && !md3.contains("curve is above"), "\(md3)")

        // Three curves: the verifier compared with both others, each pair said once.
        let three = Self.sweep(offset: 0.05, hits: 10_000, verifier: 0.05, verifierShift: 0)
        let md4 = BenchSweepReport.markdown(three, Self.context, marks: Self.marks(0.92, verifier: 0.90))
        #expect(md4.contains("The verifier + guard curve is above the threshold + guard curve at every compared point"), "\(md4)")
        #expect(md4.contains("The verifier + guard curve is above the threshold alone curve at every compared point"), "\(md4)")
        let json4 = BenchSweepReport.json(three, Self.context, marks: Self.marks(0.92, verifier: 0.90))
        #expect(json4["comparisons"]?["verifier_vs_guard"]?["above"]?.arrayValue?.count == Self.thresholds.count, "\(json4.jsonString.prefix(800))")
        #expect(json4["default_curve"]?.stringValue == "verifier" && json4["default_thresholds"]?["verifier"]?.doubleValue == 0.90)
    }

    // MARK: Lost achievable hits

    @Test func lostHitsAreTheAchievableMissesMostSimilarFirstAndCapped() throws {
        var outcomes: [BenchOutcome] = []
        var requests: [BenchRequest] = []
        for i in 0..<80 {
            let achievable = i < 70
            let sim: Double? = i % 10 == 9 ? nil : 0.5 + Double((i * 37) % 70) / 200
            requests.append(BenchRequest(body: Workload.requestBody(prompt: "q\(i)", model: "m"), classID: "c\(i % 40)", line: i + 1, text: "q\(i)"))
            outcomes.append(BenchOutcome(line: i + 1, path: .miss, status: 200, queryClass: "c\(i % 40)", achievable: achievable, savedUSD: 0, costUSD: 0,
                                         nanos: 1, nearestSimilarity: sim, nearestPrompt: sim == nil ? nil : "q\((i + 1) % 80)"))
        }
        // A hit and a wrong hit are not lost, even when achievable.
        outcomes.append(BenchOutcome(line: 81, path: .semantic, status: 200, queryClass: "c1", servedClass: "c1", achievable: true, savedUSD: 0, costUSD: 0, nanos: 1))
        outcomes.append(BenchOutcome(line: 82, path: .semantic, status: 200, queryClass: "c1", servedClass: "c2", achievable: true, savedUSD: 0, costUSD: 0, nanos: 1))
        let run = BenchRun(threshold: 0.9, curve: .guarded, outcomes: outcomes, upstreamCalls: 80, wallSeconds: 1, target: "in process")
        var context = Self.context
        context.requests = requests
        let lost = BenchReport.lostHits(run, context)
        #expect(lost.count == 70 && BenchSummary(run).lostHits == 70)
        let known = lost.compactMap(\.nearestSimilarity)
        #expect(known == known.sorted(by: >) && lost.suffix(7).allSatisfy { $0.nearestSimilarity == nil }, "highest similarity first, unknown last")
        #expect(lost.allSatisfy { ($0.nearestSimilarity ?? 0) < 0.9 ? $0.reason == "nearest below the threshold" || $0.nearestSimilarity == nil : true })
        let json = BenchReport.lostHitsJSON(run, context)
        #expect(json["count"]?.intValue == 70 && json["shown"]?.intValue == BenchReport.lostHitsShown)
        let listed = try #require(json["hits"]?.arrayValue)
        #expect(listed.count == 50 && abs((listed.first?["nearest_similarity"]?.doubleValue ?? 0) - (known.first ?? 1)) < 1e-6)
        #expect(listed.first?["query"]?.stringValue != nil && listed.first?["nearest_class"]?.stringValue != nil)
        let md = BenchReport.markdown(run, BenchSummary(run), context)
        #expect(md.contains("## Achievable hits lost (50 of 70, highest nearest similarity first)"), "\(md.suffix(3000))")
        #expect(BenchReport.reportJSON(run, BenchSummary(run), context)["lost_hits"]?["count"]?.intValue == 70)
    }

    /// Through the real request path in process (hashing embedder, so no model is needed): a
    /// miss records its nearest cached prompt, and the lost hits carry that similarity.
    @Test func anInProcessRunRecordsTheNearestCandidateOfEachMiss() async throws {
        let texts = (0..<6).flatMap { i in [("How do I repot plant number \(i) in spring?", "c\(i)"), ("how do i repot plant number \(i) in the spring", "c\(i)")] }
        let workload = texts.enumerated().map { n, t in
            BenchRequest(body: Workload.requestBody(prompt: t.0, model: "gpt-4o-mini"), classID: t.1, line: n + 1, text: t.0)
        }
        var logger = Logger(label: "bench-report-test")
        logger.logLevel = .warning
        let (points, _) = try await BenchSession.sweep(workload: workload, config: DefaultConfig.config(), embedder: HashingEmbedder(), thresholds: [0.9999, 0.95],
                                                       curves: [.guarded], reuseEmbeddings: false, answerTokens: 20, logger: logger)
        let run = try #require(points.first?.run)
        var context = Self.context
        context.requests = workload
        let lost = BenchReport.lostHits(run, context)
        #expect(lost.count == 6 && points[0].summary.lostHits == 6, "every second phrasing is achievable and misses at 0.9999: \(lost.map(\.line))")
        for h in lost {
            let s = try #require(h.nearestSimilarity, "line \(h.line) has no nearest similarity")
            #expect(s > 0 && s < 0.9999 && h.reason == "nearest below the threshold" && h.nearestPrompt != nil, "\(h)")
        }
        // A sweep without the default lists the lost hits of the guarded run nearest it (0.95 for 0.93).
        let json = BenchSweepReport.json(points, context, marks: Self.marks(0.93))
        #expect(json["lost_hits"]?["threshold"]?.doubleValue == 0.95, "\(json["lost_hits"]?.jsonString.prefix(300) ?? "nil")")
        #expect(json["lost_hits"]?["count"]?.intValue == BenchReport.lostHits(points[1].run, context).count)
        let md = BenchSweepReport.markdown(points, context, marks: Self.marks(0.93))
        #expect(md.contains("highest nearest similarity first; at the threshold + guard run nearest the default, threshold 0.95)"), "\(md.suffix(1500))")
    }

    // MARK: Docs

    @Test func theDocsStateTheProductsDefaultThreshold() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let expected = BenchStats.threshold(SemanticCache.defaultThreshold)
        var found = 0
        for file in ["README.md", "benchmarks/bench/README.md"] {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for m in Self.matches(#"cache\.semantic\.threshold`,\s+else\s+(0\.\d+)"#, text) {
                found += 1
                #expect(m[0] == expected, "\(file) says the default threshold is \(m[0]); the product's is \(expected)")
            }
        }
        #expect(found >= 2, "both READMEs state the default (`cache.semantic.threshold`, else …)")
    }
}
