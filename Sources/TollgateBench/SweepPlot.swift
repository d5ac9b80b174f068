import Foundation
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// One threshold of a sweep, on one curve.
public struct SweepPoint: Sendable {
    public let run: BenchRun
    public let summary: BenchSummary

    public init(run: BenchRun, summary: BenchSummary) {
        self.run = run
        self.summary = summary
    }

    /// Precision of the semantic hits (correct / scored semantic hits).
    var precision: Double? { summary.semanticCorrectShare.value }
    var precisionCI: (low: Double, high: Double)? { summary.semanticCorrectShare.wilson }
    /// Correct hits over achievable requests.
    var hitRatio: Double? { summary.hitsOfAchievable.value }
}

/// The sweep plot (sweep.svg), written by hand: precision against hit ratio, and both against the
/// threshold, one curve each for the threshold alone (red), with the guard (blue) and with the
/// verifier (purple).
public enum SweepPlot {
    /// Colour, marker and dash of a curve.
    static func style(_ c: BenchCurve) -> (color: String, shape: String, dash: String?) {
        switch c {
        case .alone: return ("#c0392b", "square", "6,4")
        case .guarded: return ("#1f5fa8", "circle", nil)
        case .verifier, .gateway: return ("#7d3c98", "diamond", "10,3")
        }
    }

    struct Panel {
        let x: Double, y: Double, w: Double, h: Double
        let xr: ClosedRange<Double>, yr: ClosedRange<Double>
        func px(_ v: Double) -> Double { x + (v - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * w }
        func py(_ v: Double) -> Double { y + h - (v - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * h }
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
    static func text(_ x: Double, _ y: Double, _ s: String, size: Int = 12, anchor: String = "start", weight: String = "normal",
                     color: String = "#222", rotate: Bool = false) -> String {
        let r = rotate ? " transform=\"rotate(-90 \(f(x)) \(f(y)))\"" : ""
        return "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(color)\"\(r)>\(esc(s))</text>\n"
    }
    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String, width: Double = 1, dash: String? = nil, opacity: Double? = nil) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(color)\" stroke-width=\"\(width)\""
            + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + (opacity.map { " stroke-opacity=\"\($0)\"" } ?? "") + "/>\n"
    }
    static func polyline(_ pts: [(Double, Double)], color: String, dash: String? = nil) -> String {
        guard pts.count > 1 else { return "" }
        let p = pts.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        return "<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>\n"
    }
    static func marker(_ x: Double, _ y: Double, color: String, shape: String) -> String {
        switch shape {
        case "square": return "<rect x=\"\(f(x - 4))\" y=\"\(f(y - 4))\" width=\"8\" height=\"8\" fill=\"\(color)\"/>\n"
        case "diamond": return "<polygon points=\"\(f(x)),\(f(y - 5)) \(f(x + 5)),\(f(y)) \(f(x)),\(f(y + 5)) \(f(x - 5)),\(f(y))\" fill=\"\(color)\"/>\n"
        case "triangle": return "<polygon points=\"\(f(x)),\(f(y - 5)) \(f(x - 5)),\(f(y + 4)) \(f(x + 5)),\(f(y + 4))\" fill=\"white\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
        default: return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4\" fill=\"\(color)\"/>\n"
        }
    }

    /// Frame, grid, ticks and axis titles of a panel.
    static func axes(_ p: Panel, xTitle: String, yTitle: String, xTicks: [Double], yTicks: [Double]) -> String {
        var s = "<rect x=\"\(f(p.x))\" y=\"\(f(p.y))\" width=\"\(f(p.w))\" height=\"\(f(p.h))\" fill=\"#fcfcfc\" stroke=\"#888\"/>\n"
        for t in xTicks {
            s += line(p.px(t), p.y, p.px(t), p.y + p.h, color: "#e3e3e3")
            s += text(p.px(t), p.y + p.h + 16, String(format: "%.2f", t), size: 11, anchor: "middle")
        }
        for t in yTicks {
            s += line(p.x, p.py(t), p.x + p.w, p.py(t), color: "#e3e3e3")
            s += text(p.x - 6, p.py(t) + 4, String(format: "%.2f", t), size: 11, anchor: "end")
        }
        s += text(p.x + p.w / 2, p.y + p.h + 36, xTitle, size: 13, anchor: "middle")
        s += text(p.x - 46, p.y + p.h / 2, yTitle, size: 13, anchor: "middle", rotate: true)
        return s
    }

    static func ticks(_ r: ClosedRange<Double>, step: Double) -> [Double] {
        var out: [Double] = []
        var t = (r.lowerBound / step - 1e-9).rounded(.up) * step
        while t <= r.upperBound + 1e-9 { out.append((t * 1000).rounded() / 1000 + 0); t += step }  // + 0: no "-0.00"
        return out
    }

    /// The two panels of a sweep's plot: precision against hit ratio (left), both against the threshold (right).
    static func layout(_ points: [SweepPoint]) -> (left: Panel, right: Panel) {
        let thresholds = points.map(\.run.threshold)
        let tMin = thresholds.min() ?? 0.8, tMax = thresholds.max() ?? 1
        let precisions = points.compactMap { $0.precisionCI?.low } + points.compactMap(\.precision)
        let yLow = max(0, ((precisions.min() ?? 0.5) * 10).rounded(.down) / 10)
        let ratios = points.compactMap(\.hitRatio)
        let xHigh = min(1, max(0.1, ((ratios.max() ?? 0.5) * 10).rounded(.up) / 10))
        let xLow = min(xHigh - 0.1, max(0, ((ratios.min() ?? 0) * 10).rounded(.down) / 10 - 0.1))
        let left = Panel(x: 80, y: 90, w: 440, h: 340, xr: xLow...xHigh, yr: yLow...(1 + (1 - yLow) * 0.06))
        let tPad = max(0.005, (tMax - tMin) * 0.04)
        let right = Panel(x: 640, y: 90, w: 440, h: 340, xr: (tMin - tPad)...(tMax + tPad), yr: 0...1.06)
        return (left, right)
    }

    /// Horizontal offset of a curve's whiskers from its points, so that one curve's intervals do
    /// not hide another's where the curves meet.
    static func whiskerOffset(_ c: BenchCurve) -> Double {
        switch c {
        case .alone: return -3
        case .guarded: return 3
        case .verifier, .gateway: return 0
        }
    }

    /// A curve's (hit ratio, precision) at threshold `t` strictly between two of its points,
    /// linearly interpolated; nil when `t` is a point of the curve or outside it.
    static func interpolated(_ curve: [SweepPoint], at t: Double) -> (hitRatio: Double, precision: Double)? {
        let pts = curve.compactMap { p -> (t: Double, h: Double, p: Double)? in
            guard let h = p.hitRatio, let v = p.precision else { return nil }
            return (p.run.threshold, h, v)
        }.sorted { $0.t < $1.t }
        guard !pts.contains(where: { abs($0.t - t) < 1e-9 }) else { return nil }
        for (a, b) in zip(pts, pts.dropFirst()) where a.t < t && t < b.t {
            let k = (t - a.t) / (b.t - a.t)
            return (a.h + (b.h - a.h) * k, a.p + (b.p - a.p) * k)
        }
        return nil
    }

    /// The SVG of a sweep; `marks` are the curves' default thresholds (ringed and labelled;
    /// interpolated on a curve when they fall between two of its points).
    public static func svg(_ points: [SweepPoint], title: String, subtitle: String, marks: SweepMarks) -> String {
        let curves = Set(points.map(\.run.curve)).sorted().map { c in (c, points.filter { $0.run.curve == c }.sorted { $0.run.threshold < $1.run.threshold }) }
        let (left, right) = layout(points)
        let tMin = points.map(\.run.threshold).min() ?? 0.8, tMax = points.map(\.run.threshold).max() ?? 1
        let yLow = left.yr.lowerBound, xLow = left.xr.lowerBound, xHigh = left.xr.upperBound
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1140\" height=\"580\" viewBox=\"0 0 1140 580\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        s += "<rect width=\"1140\" height=\"580\" fill=\"white\"/>\n"
        s += text(570, 30, title, size: 18, anchor: "middle", weight: "bold")
        s += text(570, 52, subtitle, size: 12, anchor: "middle", color: "#555")

        // Left: precision against hit ratio.
        s += text(left.x + left.w / 2, left.y - 12, "Precision vs hit ratio (one point per threshold)", size: 13, anchor: "middle", weight: "bold")
        s += axes(left, xTitle: "hit ratio: correct hits / achievable requests", yTitle: "precision: correct / semantic hits",
                  xTicks: ticks(left.xr, step: xHigh - xLow > 0.5 ? 0.1 : 0.05), yTicks: ticks(yLow...1, step: 1 - yLow > 0.5 ? 0.1 : 0.05))
        var labels = LabelPlacer(bounds: (left.x, left.y, left.x + left.w, left.y + left.h))
        if left.yr.contains(0.97) {
            s += line(left.x, left.py(0.97), left.x + left.w, left.py(0.97), color: "#2e8b57", dash: "2,3")
            let target = "target: wrong ≤ 3 % of semantic hits"
            labels.reserve(left.x + 4, left.py(0.97) + 13, target, size: 10, anchor: "start")
            s += text(left.x + 4, left.py(0.97) + 13, target, size: 10, color: "#2e8b57")
        }
        // Curves, whiskers and markers first; then the labels, the primary default's first, each
        // placed where it overprints no other label (or left out).
        var pending: [(x: Double, y: Double, text: String, color: String, isMarked: Bool, isPrimary: Bool)] = []
        for (curve, pts0) in curves {
            let st = style(curve), marked = marks.mark(curve), primary = curve == marks.primary
            let pts = pts0.compactMap { p -> (Double, Double, SweepPoint)? in
                guard let x = p.hitRatio, let y = p.precision else { return nil }
                return (left.px(x), left.py(y), p)
            }
            s += polyline(pts.map { ($0.0, $0.1) }, color: st.color, dash: st.dash)
            for (x, y, p) in pts {
                if let ci = p.precisionCI {
                    let wx = x + whiskerOffset(curve)
                    s += line(wx, left.py(ci.low), wx, left.py(ci.high), color: st.color, width: 1, opacity: 0.7)
                }
                s += marker(x, y, color: st.color, shape: st.shape)
                let isMarked = marks.isMarked(p.run)
                if isMarked { s += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"9\" fill=\"none\" stroke=\"#111\" stroke-width=\"1.5\"/>\n" }
                pending.append((x, y, BenchStats.threshold(p.run.threshold) + (isMarked && primary ? " (default)" : ""), st.color, isMarked, isMarked && primary))
            }
            if let at = interpolated(pts0, at: marked) {
                let (x, y) = (left.px(at.hitRatio), left.py(at.precision))
                s += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"9\" fill=\"none\" stroke=\"#111\" stroke-width=\"1.5\" stroke-dasharray=\"3,2\"/>\n"
                pending.append((x, y, BenchStats.threshold(marked) + (primary ? " (default, interpolated)" : ""), st.color, true, primary))
            }
        }
        // The primary default first; it is always drawn (beside its point, moved inside the panel
        // if need be), the other marked points next, every other label only where it overprints nothing.
        for l in pending.filter(\.isPrimary) + pending.filter({ $0.isMarked && !$0.isPrimary }) + pending.filter({ !$0.isMarked }) {
            let size = l.isMarked ? 11 : 9
            let rightSide = [(l.x + 7, l.y - 7, "start"), (l.x + 7, l.y + 14, "start")], leftSide = [(l.x - 7, l.y - 7, "end"), (l.x - 7, l.y + 14, "end")]
            let candidates = (l.isPrimary ? rightSide : rightSide.reversed()) + (l.isPrimary ? leftSide : leftSide.reversed())
                + [(l.x + 9, l.y + 4, "start"), (l.x - 9, l.y + 4, "end")]
            var placed = labels.place(l.text, size: size, candidates: candidates)
            if placed == nil, l.isPrimary {
                let y = min(max(l.y + 14, left.y + Double(size)), left.y + left.h - 2)
                let anchor = l.x > left.x + left.w / 2 ? "end" : "start"
                let spot = (anchor == "end" ? l.x - 9 : l.x + 9, y, anchor)
                labels.reserve(spot.0, spot.1, l.text, size: size, anchor: spot.2)
                placed = spot
            }
            guard let spot = placed else { continue }
            s += text(spot.0, spot.1, l.text, size: size, anchor: spot.2, weight: l.isMarked ? "bold" : "normal", color: l.color)
        }

        // Right: both against the threshold.
        s += text(right.x + right.w / 2, right.y - 12, "Precision and hit ratio vs threshold", size: 13, anchor: "middle", weight: "bold")
        s += axes(right, xTitle: "cosine threshold (verifier: its candidate gate)", yTitle: "ratio", xTicks: ticks(right.xr, step: (tMax - tMin) > 0.1 ? 0.02 : 0.01),
                  yTicks: ticks(0...1, step: 0.1))
        let present = curves.map(\.0)
        var lines: [(t: Double, primary: Bool)] = []
        for c in present {
            let t = marks.mark(c)
            if let i = lines.firstIndex(where: { abs($0.t - t) < 1e-9 }) { lines[i].primary = lines[i].primary || c == marks.primary } else { lines.append((t, c == marks.primary)) }
        }
        for l in lines where right.xr.contains(l.t) {
            s += line(right.px(l.t), right.y, right.px(l.t), right.y + right.h, color: "#111", width: l.primary ? 1.2 : 0.8, dash: l.primary ? "5,4" : "2,4")
        }
        var names = LabelPlacer(bounds: (right.x, right.y, right.x + right.w, right.y + right.h))
        for (curve, pts0) in curves {
            let st = style(curve)
            let prec = pts0.compactMap { p in p.precision.map { (right.px(p.run.threshold), right.py($0)) } }
            let hit = pts0.compactMap { p in p.hitRatio.map { (right.px(p.run.threshold), right.py($0)) } }
            s += polyline(prec, color: st.color, dash: st.dash)
            s += polyline(hit, color: st.color, dash: st.dash == nil ? "2,3" : "8,3,2,3")
            for (x, y) in prec { s += marker(x, y, color: st.color, shape: "circle") }
            for (x, y) in hit { s += marker(x, y, color: st.color, shape: "triangle") }
            // Name the primary curve's two lines at the end where they are furthest apart.
            if curve == marks.primary, let p0 = prec.first, let h0 = hit.first, let p1 = prec.last, let h1 = hit.last {
                let atEnd = abs(p1.1 - h1.1) >= abs(p0.1 - h0.1)
                let (p, h) = atEnd ? (p1, h1) : (p0, h0)
                let (dx, anchor) = atEnd ? (-8.0, "end") : (8.0, "start")
                for (at, name, dy) in [(p, "precision", p.1 > h.1 ? 18.0 : -10), (h, "hit ratio", p.1 > h.1 ? -10.0 : 18)] {
                    names.reserve(at.0 + dx, at.1 + dy, name, size: 11, anchor: anchor)
                    s += text(at.0 + dx, at.1 + dy, name, size: 11, anchor: anchor, weight: "bold", color: "#444")
                }
            }
        }
        // The defaults' lines are named where no curve name is.
        for l in lines where right.xr.contains(l.t) {
            let x = right.px(l.t)
            let owners = present.filter { abs(marks.mark($0) - l.t) < 1e-9 }.map(\.title).joined(separator: ", ")
            let label = (l.primary ? "default " : "") + BenchStats.threshold(l.t) + (l.primary ? "" : " (" + owners + ")")
            if let spot = names.place(label, size: l.primary ? 11 : 9, candidates: [(x + 4, right.y + 14, "start"), (x - 4, right.y + 14, "end"),
                                                                                   (x + 4, right.y + 28, "start"), (x - 4, right.y + 28, "end"),
                                                                                   (x + 4, right.y + right.h - 6, "start"), (x - 4, right.y + right.h - 6, "end")]) {
                s += text(spot.0, spot.1, label, size: l.primary ? 11 : 9, anchor: spot.2, weight: l.primary ? "bold" : "normal")
            }
        }

        // Legend: one entry per curve, then what the markers mean.
        var lx = 90.0
        for c in present {
            let st = style(c)
            s += line(lx, 500, lx + 40, 500, color: st.color, width: 2, dash: st.dash) + marker(lx + 20, 500, color: st.color, shape: st.shape)
            s += text(lx + 48, 504, c.title + (c == marks.primary ? " (the default)" : ""), size: 12)
            lx += 330
        }
        s += marker(300, 524, color: "#555", shape: "circle") + text(310, 528, "precision (left: whiskers = 95 % Wilson CI)", size: 12)
        s += line(640, 524, 670, 524, color: "#555", width: 2, dash: "2,3") + marker(655, 524, color: "#555", shape: "triangle")
        s += text(678, 528, "hit ratio (right panel)", size: 12)
        s += text(570, 558, "Precision = correct semantic hits / semantic hits (wrong = an answer cached for another class). "
                  + "Hit ratio = correct hits / requests whose class was already cached.", size: 10, anchor: "middle", color: "#555")
        s += "</svg>\n"
        return s
    }
}

/// Places the plot's point labels so that none overprints another: each label takes the first
/// of its candidate positions whose box (estimated from the font size) is inside the panel and
/// meets no box already taken; a label with no such position is left out.
struct LabelPlacer {
    typealias Box = (x0: Double, y0: Double, x1: Double, y1: Double)
    let bounds: Box
    private(set) var taken: [Box] = []

    init(bounds: Box) { self.bounds = bounds }

    /// The box of `text` drawn at (x, y) (the baseline), a little larger than the glyphs.
    static func box(_ x: Double, _ y: Double, _ text: String, size: Int, anchor: String) -> Box {
        let w = Double(text.count) * Double(size) * 0.6, h = Double(size)
        let x0 = anchor == "end" ? x - w : anchor == "middle" ? x - w / 2 : x
        return (x0 - 1, y - h * 0.85 - 1, x0 + w + 1, y + h * 0.25 + 1)
    }

    static func overlap(_ a: Box, _ b: Box) -> Bool { a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 }

    mutating func reserve(_ x: Double, _ y: Double, _ text: String, size: Int, anchor: String) {
        taken.append(Self.box(x, y, text, size: size, anchor: anchor))
    }

    mutating func place(_ text: String, size: Int, candidates: [(Double, Double, String)]) -> (Double, Double, String)? {
        for (x, y, anchor) in candidates {
            let b = Self.box(x, y, text, size: size, anchor: anchor)
            guard b.x0 >= bounds.x0, b.x1 <= bounds.x1, b.y0 >= bounds.y0, b.y1 <= bounds.y1, !taken.contains(where: { Self.overlap($0, b) }) else { continue }
            taken.append(b)
            return (x, y, anchor)
        }
        return nil
    }
}
