import Foundation
import TollgateBase

/// An achievable hit the cache did not serve: the query's class was already cached (an earlier
/// member missed and stored its answer), yet the request missed.
public struct LostHit: Sendable {
    public let line: Int
    public let queryClass: String?
    public let query: String
    /// The nearest cached prompt of the semantic lookup, and its cosine (nil over HTTP, or when
    /// the request had no semantic lookup or the cache held nothing in its namespace).
    public let nearestSimilarity: Double?
    public let nearestPrompt: String?
    public let nearestClass: String?
    /// Why it missed: the guard refused a candidate of its class, the nearest was below the
    /// threshold, …
    public let reason: String
}

extension BenchReport {
    /// How many lost hits report.json and report.md list (those with the highest similarity).
    public static let lostHitsShown = 50

    /// Every achievable request that missed, the nearest candidates' similarity highest first
    /// (unknown similarities last), then in workload order.
    public static func lostHits(_ run: BenchRun, _ c: BenchContext) -> [LostHit] {
        let byLine = Self.byLine(c)
        var classOf: [String: String] = [:]
        for r in c.requests where classOf[r.text] == nil {
            if let k = r.classID { classOf[r.text] = k }
        }
        let inProcess = run.target == "in process"
        let lost = run.outcomes.filter { $0.achievable && ($0.path == .miss || $0.path == .bypass) }.map { o -> LostHit in
            let reason: String
            if let refused = o.refusals.first(where: { $0.sameClass == true }) {
                reason = "guard refused a candidate of its class (\(refused.check))"
            } else if !inProcess {
                reason = "unknown (over HTTP)"
            } else if let s = o.nearestSimilarity {
                reason = s < run.threshold ? "nearest below the threshold" : "its class's candidates not served (other candidates nearer or refused)"
            } else {
                reason = o.path == .bypass ? "lookup skipped" : "no semantic candidate"
            }
            return LostHit(line: o.line, queryClass: o.queryClass, query: byLine[o.line]?.text ?? "?", nearestSimilarity: o.nearestSimilarity,
                           nearestPrompt: o.nearestPrompt, nearestClass: o.nearestPrompt.flatMap { classOf[$0] }, reason: reason)
        }
        return lost.sorted { a, b in
            switch (a.nearestSimilarity, b.nearestSimilarity) {
            case let (x?, y?) where x != y: return x > y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.line < b.line
            }
        }
    }

    /// report.json's `lost_hits`: the count and the first `lostHitsShown`.
    public static func lostHitsJSON(_ run: BenchRun, _ c: BenchContext) -> JSONValue {
        let lost = lostHits(run, c)
        return ["count": .int(lost.count), "shown": .int(min(lost.count, lostHitsShown)),
                "hits": .array(lost.prefix(lostHitsShown).map { h -> JSONValue in
                    ["query_line": .int(h.line), "query_class": h.queryClass.map { .string($0) } ?? nil, "query": .string(h.query),
                     "nearest_similarity": h.nearestSimilarity.map { .double(BenchStats.round($0)) } ?? nil,
                     "nearest": h.nearestPrompt.map { .string($0) } ?? nil, "nearest_class": h.nearestClass.map { .string($0) } ?? nil,
                     "reason": .string(h.reason)]
                })]
    }

    /// report.md's section on the lost hits (empty when none were lost).
    public static func lostHitsMarkdown(_ run: BenchRun, _ c: BenchContext, heading: String = "##", at: String? = nil) -> String {
        let lost = lostHits(run, c)
        guard !lost.isEmpty else { return "" }
        let shown = lost.prefix(lostHitsShown)
        var md = "\n\(heading) Achievable hits lost (\(shown.count) of \(lost.count), highest nearest similarity first\(at.map { "; " + $0 } ?? ""))\n\n"
        md += "Requests whose class was already cached that missed, with the nearest cached prompt of their semantic lookup.\n\n"
        md += "| line | nearest similarity | why | query | nearest cached prompt (class) |\n|---:|---:|---|---|---|\n"
        for h in shown {
            let sim = h.nearestSimilarity.map { String(format: "%.4f", $0) } ?? "—"
            let nearest = h.nearestPrompt.map { cell($0) + (h.nearestClass.map { " (\($0 == h.queryClass ? "same class" : "class \($0)"))" } ?? "") } ?? "—"
            md += "| \(h.line) | \(sim) | \(h.reason) | \(cell(h.query)) | \(nearest) |\n"
        }
        return md
    }
}
