import Foundation
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// What a report says about where its numbers come from.
public struct BenchContext: Sendable {
    public var workload: String
    public var requests: [BenchRequest]
    public var model: String
    /// The embedder's name, or nil when the semantic layer is off.
    public var embedder: String?
    public var config: String
    public var target: String
    /// The threshold the gateway uses when a request names none.
    public var configuredThreshold: Double
    public var answerTokens: Int

    public init(workload: String, requests: [BenchRequest], model: String, embedder: String?, config: String, target: String,
                configuredThreshold: Double, answerTokens: Int) {
        self.workload = workload
        self.requests = requests
        self.model = model
        self.embedder = embedder
        self.config = config
        self.target = target
        self.configuredThreshold = configuredThreshold
        self.answerTokens = answerTokens
    }

    var classes: Int { Set(requests.compactMap(\.classID)).count }
}

/// Renders bench results: report.md, report.json, the stdout summary and the wrong-hit list.
public enum BenchReport {
    static func pct(_ p: Proportion) -> String { p.percentText }
    static func ms(_ l: LatencySummary?) -> String {
        guard let l else { return "—" }
        return String(format: "%.3f / %.3f / %.3f", l.p50, l.p95, l.p99)
    }
    static func usd(_ x: Double) -> String { "$" + Money.format(x) }
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// The header lines of every report.
    static func preamble(_ c: BenchContext, title: String) -> String {
        """
        # \(title)

        - Workload: `\(c.workload)` — \(c.requests.count) requests, \(c.requests.filter { $0.classID != nil }.count) with a class, \(c.classes) classes
        - Target: \(c.target); config: \(c.config); model `\(c.model)`; semantic layer: \(c.embedder ?? "off")
        - Upstream: the bench upstream (answers `class:<id>`, \(c.answerTokens)-token answers); a fresh, empty cache per run


        """
    }

    /// The counts table of one run.
    public static func table(_ s: BenchSummary) -> String {
        var t = "| | count | share |\n|---|---:|---|\n"
        t += "| requests | \(s.requests) | \(s.scored) scored (with a class) |\n"
        t += "| exact hits | \(s.exactHits) | \(s.exactWrong) of them wrong |\n"
        t += "| semantic hits | \(s.semanticHits) | \(s.semanticCorrect + s.semanticWrong) scored |\n"
        t += "| · correct | \(s.semanticCorrect) | \(pct(s.semanticCorrectShare)) of scored semantic hits |\n"
        t += "| · wrong (answer of another class) | \(s.semanticWrong) | \(pct(s.semanticWrongShare)) of scored semantic hits |\n"
        t += "| misses | \(s.misses) | |\n"
        if s.errors > 0 { t += "| errors (non-200) | \(s.errors) | |\n" }
        t += "| wrong hits, share of hits | \(s.wrongHits) | \(pct(s.wrongOfHits)) |\n"
        t += "| wrong hits, share of requests | \(s.wrongHits) | \(pct(s.wrongOfRequests)) |\n"
        t += "| hit ratio (all hits / requests) | \(s.hits) | \(pct(s.hitRatio)) |\n"
        t += "| achievable (class already cached) | \(s.achievable) | \(pct(s.achievableShare)) of scored requests |\n"
        t += "| correct hits vs achievable | \(s.correctHits) | \(pct(s.hitsOfAchievable)) |\n"
        t += "| achievable hits lost (missed) | \(s.lostHits) | \(pct(Proportion(s.lostHits, of: s.achievable))) of achievable |\n"
        t += "| guard refusals (candidates) | \(s.refusedOtherClass + s.refusedSameClass + s.refusedUnscored) | "
            + "\(s.refusedOtherClass) of another class (wrong hit prevented), \(s.refusedSameClass) of the same class (hit lost); in \(s.requestsRefused) requests, "
            + "of which \(s.hitsAfterRefusal) were then served a lower-ranked candidate (\(s.wrongAfterRefusal) of them wrong) |\n"
        t += "| upstream calls | \(s.upstreamCalls) | \(s.avoidedCalls) avoided |\n"
        let total = s.spentUSD + s.savedUSD
        t += "| dollars | spent \(usd(s.spentUSD)) | saved \(usd(s.savedUSD))"
            + (total > 0 ? String(format: " (%.1f %% of %@)", 100 * s.savedUSD / total, usd(total)) : "")
            + ", of which \(usd(s.savedByWrongUSD)) by wrong hits |\n"
        return t
    }

    /// The latency table of one run (milliseconds; p50 / p95 / p99).
    public static func latencyTable(_ s: BenchSummary) -> String {
        var t = "| path | requests | total p50 / p95 / p99 | embedding p50 / p95 / p99 | lookup (search + guard) p50 / p95 / p99 |\n|---|---:|---|---|---|\n"
        for (path, name) in [(BenchOutcome.Path.exact, "exact hit"), (.semantic, "semantic hit"), (.miss, "miss"), (.error, "error")] {
            guard let l = s.latency[path] else { continue }
            t += "| \(name) | \(l.total?.count ?? 0) | \(ms(l.total)) | \(ms(l.embed)) | \(ms(l.lookup)) |\n"
        }
        return t
    }

    /// The wrong hits of a run, each with the query and the cached prompt whose answer was served.
    public static func wrongHits(_ run: BenchRun, _ c: BenchContext) -> [JSONValue] {
        let byLine = Self.byLine(c)
        return run.outcomes.filter { $0.correct == false }.map { o in
            [
                "similarity": o.similarity.map { .double(BenchStats.round($0)) } ?? nil,
                "path": .string(o.path.rawValue),
                "query": .string(byLine[o.line]?.text ?? "?"), "query_class": o.queryClass.map { .string($0) } ?? nil, "query_line": .int(o.line),
                "cached": .string(o.servedLine.flatMap { byLine[$0]?.text } ?? "?"), "cached_class": o.servedClass.map { .string($0) } ?? nil,
                "cached_line": o.servedLine.map { .int($0) } ?? nil,
            ]
        }
    }

    /// The workload's requests by line number.
    static func byLine(_ c: BenchContext) -> [Int: BenchRequest] {
        var out: [Int: BenchRequest] = [:]
        for r in c.requests { out[r.line] = r }
        return out
    }

    /// Every candidate the guard refused in a run: the query, the cached prompt, the similarity, the
    /// check that failed and whether the two were of the same class (a hit lost).
    public static func refusals(_ run: BenchRun, _ c: BenchContext) -> [JSONValue] {
        let byLine = Self.byLine(c)
        var classOf: [String: String] = [:]
        for r in c.requests where classOf[r.text] == nil {
            if let k = r.classID { classOf[r.text] = k }
        }
        return run.outcomes.flatMap { o in
            o.refusals.map { r -> JSONValue in
                ["similarity": .double(BenchStats.round(r.similarity)), "check": .string(r.check),
                 "same_class": r.sameClass.map { .bool($0) } ?? nil,
                 "query": .string(byLine[o.line]?.text ?? "?"), "query_class": o.queryClass.map { .string($0) } ?? nil, "query_line": .int(o.line),
                 "cached": .string(r.cachedPrompt), "cached_class": classOf[r.cachedPrompt].map { .string($0) } ?? nil,
                 "served": .string(o.path.rawValue)]
            }
        }
    }

    /// The guard's refusals by check: which check prevented wrong hits and which cost hits.
    public static func refusalTable(_ s: BenchSummary) -> String {
        var t = "| guard check | refused: another class (wrong hit prevented) | same class (hit lost) | unscored |\n|---|---:|---:|---:|\n"
        for k in s.refusalsByCheck.keys.sorted() {
            let c = s.refusalsByCheck[k]!
            t += "| \(k) | \(c.other) | \(c.same) | \(c.unscored) |\n"
        }
        return t
    }

    static let definitions = """
    ## Definitions

    - A request is *scored* when its workload line has a class. A hit is **correct** when the answer
      served (its content names the class of the request that filled the cache) is of the query's
      class, **wrong** otherwise — a cached entry of another class.
    - **Achievable**: the query's class was already in the cache when it arrived (an earlier request
      of the class missed and stored its answer; a wrong hit stores nothing). *Correct hits vs
      achievable* is how much of what a perfect cache could answer this one did.
    - **Guard refusals**: candidates at or above the threshold that the look-alike guard refused,
      split by whether they were of the query's class.
    - Intervals are 95 % Wilson score intervals. Latency is wall time per request through the
      gateway (in process: `Gateway.chat`, libcurl and the upstream on loopback included);
      embedding and lookup are the parts of it measured inside the semantic layer.

    """

    /// report.md of one run.
    public static func markdown(_ run: BenchRun, _ s: BenchSummary, _ c: BenchContext) -> String {
        var md = preamble(c, title: "Hit-ratio benchmark")
        md += "Threshold \(BenchStats.threshold(run.threshold)), " + String(format: "%@; %.1f s wall time (%.0f requests/s).\n\n",
                     run.curve.title, run.wallSeconds, Double(s.requests) / max(run.wallSeconds, 1e-9))
        md += table(s) + "\n## Latency (ms)\n\n"
        if run.embeddingsReused { md += "Embeddings were reused from an earlier run of the sweep: the embedding times below are not real.\n\n" }
        md += latencyTable(s) + "\n"
        if !s.refusalsByCheck.isEmpty { md += "## Refusals by check, guard and verifier (each in guard-refusals.jsonl)\n\n" + refusalTable(s) + "\n" }
        md += definitions
        let wrong = wrongHits(run, c)
        if !wrong.isEmpty {
            md += "\n## Wrong hits (first \(min(30, wrong.count)) of \(wrong.count); all in wrong-hits.jsonl)\n\n| similarity | query | cached prompt served |\n|---:|---|---|\n"
            for w in wrong.prefix(30) {
                let sim = w["similarity"]?.doubleValue.map { String(format: "%.4f", $0) } ?? "exact"
                md += "| \(sim) | \(cell(w["query"]?.stringValue ?? "")) | \(cell(w["cached"]?.stringValue ?? "")) |\n"
            }
        }
        return md + lostHitsMarkdown(run, c)
    }

    /// A few lines for stdout.
    public static func text(_ run: BenchRun, _ s: BenchSummary) -> String {
        var out = "threshold \(BenchStats.threshold(run.threshold)), \(run.curve.title): " + String(format: "%d requests in %.1f s\n", s.requests, run.wallSeconds)
        out += "  hits \(s.hits) (exact \(s.exactHits), semantic \(s.semanticHits): \(s.semanticCorrect) correct, \(s.semanticWrong) wrong), misses \(s.misses), errors \(s.errors)\n"
        out += "  wrong: \(pct(s.semanticWrongShare)) of semantic hits, \(pct(s.wrongOfRequests)) of requests\n"
        out += "  achievable \(s.achievable); correct hits vs achievable \(pct(s.hitsOfAchievable)); achievable hits lost (missed) \(s.lostHits)\n"
        out += "  refused \(s.refusedOtherClass) of another class, \(s.refusedSameClass) of the same class; "
            + "then served a lower-ranked candidate \(s.hitsAfterRefusal) times (\(s.wrongAfterRefusal) wrong)\n"
        out += "  upstream calls \(s.upstreamCalls) (\(s.avoidedCalls) avoided); spent \(usd(s.spentUSD)), saved \(usd(s.savedUSD))\n"
        for (path, name) in [(BenchOutcome.Path.exact, "exact hit"), (.semantic, "semantic hit"), (.miss, "miss")] {
            guard let l = s.latency[path]?.total else { continue }
            out += String(format: "  %@ p50/p95/p99 %.3f/%.3f/%.3f ms\n", name, l.p50, l.p95, l.p99)
        }
        return out
    }

    /// The JSON of one run (a report.json, or one point of a sweep's).
    public static func json(_ run: BenchRun, _ s: BenchSummary) -> JSONValue {
        ["threshold": .double(run.threshold), "curve": .string(run.curve.rawValue), "guard": .bool(run.curve.refuses), "wall_seconds": .double(BenchStats.round(run.wallSeconds)),
         "embeddings_reused": .bool(run.embeddingsReused), "summary": s.json]
    }

    /// report.json of a single run.
    public static func reportJSON(_ run: BenchRun, _ s: BenchSummary, _ c: BenchContext) -> JSONValue {
        ["workload": .string(c.workload), "requests": .int(c.requests.count), "classes": .int(c.classes), "model": .string(c.model),
         "embedder": c.embedder.map { .string($0) } ?? nil, "config": .string(c.config), "target": .string(c.target),
         "answer_tokens": .int(c.answerTokens), "run": json(run, s), "lost_hits": lostHitsJSON(run, c)]
    }
}
