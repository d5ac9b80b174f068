import Foundation
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// The accounting of one bench run: every count the report shows, and the ratios with their
/// 95 % Wilson intervals. Requests without a class are counted but not scored.
public struct BenchSummary: Sendable {
    public var requests = 0
    /// Requests with a class (the only ones that can be right or wrong).
    public var scored = 0
    public var exactHits = 0
    /// Exact hits whose answer belongs to another class (only if the workload gives one text two classes).
    public var exactWrong = 0
    public var semanticHits = 0
    public var semanticCorrect = 0
    public var semanticWrong = 0
    public var misses = 0
    public var errors = 0
    /// Scored requests whose class was already cached when they arrived.
    public var achievable = 0
    /// Scored hits that served the query's class (exact or semantic).
    public var correctHits = 0
    /// Candidates the guard refused: of another class (a wrong hit prevented), of the same class
    /// (a hit lost), or unscored; and the requests with at least one refusal.
    public var refusedOtherClass = 0
    public var refusedSameClass = 0
    public var refusedUnscored = 0
    public var requestsRefused = 0
    /// The same refusals by the guard check that failed: (of another class, of the same class).
    public var refusalsByCheck: [String: (other: Int, same: Int, unscored: Int)] = [:]
    /// Semantic hits served from a lower-ranked candidate after the guard refused a better one,
    /// and how many of them were wrong (the guard's fallback can create wrong hits).
    public var hitsAfterRefusal = 0
    public var wrongAfterRefusal = 0
    /// Upstream calls made (counted by the upstream in process; the misses over HTTP).
    public var upstreamCalls = 0
    public var spentUSD = 0.0
    public var savedUSD = 0.0
    /// Part of `savedUSD` saved by serving a wrong answer.
    public var savedByWrongUSD = 0.0
    /// Latency by path: the whole request, and the embedding and lookup inside it (in process).
    public var latency: [BenchOutcome.Path: (total: LatencySummary?, embed: LatencySummary?, lookup: LatencySummary?)] = [:]

    public var hits: Int { exactHits + semanticHits }
    public var wrongHits: Int { exactWrong + semanticWrong }
    public var avoidedCalls: Int { requests - errors - upstreamCalls }
    /// Achievable requests that missed (the cache held their class; `BenchReport.lostHits` lists them).
    public var lostHits = 0

    /// Correct / wrong semantic hits among the scored semantic hits (precision and its complement).
    public var semanticCorrectShare: Proportion { Proportion(semanticCorrect, of: semanticCorrect + semanticWrong) }
    public var semanticWrongShare: Proportion { Proportion(semanticWrong, of: semanticCorrect + semanticWrong) }
    /// Wrong hits among all scored hits, and among all scored requests.
    public var wrongOfHits: Proportion { Proportion(wrongHits, of: correctHits + wrongHits) }
    public var wrongOfRequests: Proportion { Proportion(wrongHits, of: scored) }
    public var hitRatio: Proportion { Proportion(hits, of: requests) }
    public var achievableShare: Proportion { Proportion(achievable, of: scored) }
    /// Correct hits over achievable requests: how much of what a perfect cache would answer.
    public var hitsOfAchievable: Proportion { Proportion(correctHits, of: achievable) }

    public init(_ run: BenchRun) {
        var series: [BenchOutcome.Path: (total: [Int64], embed: [Int64], lookup: [Int64])] = [:]
        for o in run.outcomes {
            requests += 1
            if o.queryClass != nil { scored += 1 }
            if o.achievable { achievable += 1 }
            if o.achievable, o.path == .miss || o.path == .bypass { lostHits += 1 }
            switch o.path {
            case .exact: exactHits += 1
            case .semantic: semanticHits += 1
            case .miss, .bypass: misses += 1
            case .error: errors += 1
            }
            switch (o.path, o.correct) {
            case (.exact, false?): exactWrong += 1
            case (.semantic, false?): semanticWrong += 1
            case (.semantic, true?): semanticCorrect += 1
            default: break
            }
            if o.correct == true { correctHits += 1 }
            if o.correct == false { savedByWrongUSD += o.savedUSD }
            if o.path == .exact || o.path == .semantic { savedUSD += o.savedUSD } else { spentUSD += o.costUSD }
            refusedOtherClass += o.refusedOtherClass
            refusedSameClass += o.refusedSameClass
            refusedUnscored += o.refusedUnscored
            for r in o.refusals {
                var c = refusalsByCheck[r.check] ?? (0, 0, 0)
                switch r.sameClass {
                case true?: c.same += 1
                case false?: c.other += 1
                case nil: c.unscored += 1
                }
                refusalsByCheck[r.check] = c
            }
            if o.refusedOtherClass + o.refusedSameClass + o.refusedUnscored > 0 {
                requestsRefused += 1
                if o.path == .semantic { hitsAfterRefusal += 1 }
                if o.path == .semantic, o.correct == false { wrongAfterRefusal += 1 }
            }
            let path = o.path == .bypass ? .miss : o.path
            var s = series[path] ?? ([], [], [])
            s.total.append(o.nanos)
            if let e = o.embedNanos, path != .exact { s.embed.append(e) }
            if let l = o.lookupNanos, path != .exact { s.lookup.append(l) }
            series[path] = s
        }
        upstreamCalls = run.upstreamCalls ?? misses
        for (path, s) in series {
            latency[path] = (LatencySummary(nanos: s.total), LatencySummary(nanos: s.embed), LatencySummary(nanos: s.lookup))
        }
    }

    /// The summary as JSON (report.json).
    public var json: JSONValue {
        var lat: [(String, JSONValue)] = []
        for path in [BenchOutcome.Path.exact, .semantic, .miss, .error] {
            guard let l = latency[path] else { continue }
            lat.append((path.rawValue, ["total": l.total?.json ?? nil, "embedding": l.embed?.json ?? nil, "lookup": l.lookup?.json ?? nil]))
        }
        return [
            "requests": .int(requests), "scored": .int(scored), "errors": .int(errors),
            "exact_hits": .int(exactHits), "exact_hits_wrong": .int(exactWrong),
            "semantic_hits": .int(semanticHits),
            "semantic_correct": semanticCorrectShare.json, "semantic_wrong": semanticWrongShare.json,
            "misses": .int(misses),
            "wrong_of_hits": wrongOfHits.json, "wrong_of_requests": wrongOfRequests.json,
            "hit_ratio": hitRatio.json,
            "achievable": achievableShare.json, "hits_of_achievable": hitsOfAchievable.json, "achievable_lost": .int(lostHits),
            "guard_refusals": ["other_class": .int(refusedOtherClass), "same_class": .int(refusedSameClass),
                               "unscored": .int(refusedUnscored), "requests": .int(requestsRefused),
                               "hits_after_refusal": .int(hitsAfterRefusal), "wrong_after_refusal": .int(wrongAfterRefusal),
                               "by_check": .object(refusalsByCheck.keys.sorted().map { k in
                                   let c = refusalsByCheck[k]!
                                   return (k, ["other_class": .int(c.other), "same_class": .int(c.same), "unscored": .int(c.unscored)])
                               })],
            "upstream_calls": .int(upstreamCalls), "upstream_calls_avoided": .int(avoidedCalls),
            "spent_usd": .number(Money.format(spentUSD)), "saved_usd": .number(Money.format(savedUSD)),
            "saved_by_wrong_hits_usd": .number(Money.format(savedByWrongUSD)),
            "latency_ms": .object(lat),
        ]
    }

    /// Checks the accounting adds up; returns what does not (empty when consistent).
    public var inconsistencies: [String] {
        var out: [String] = []
        if exactHits + semanticHits + misses + errors != requests { out.append("paths do not add up to requests") }
        if semanticCorrect + semanticWrong > semanticHits { out.append("correct + wrong semantic hits exceed semantic hits") }
        if correctHits > achievable { out.append("more correct hits than achievable requests") }
        if lostHits > achievable || lostHits > misses { out.append("more lost hits than achievable requests or misses") }
        if upstreamCalls > misses + errors { out.append("more upstream calls than misses and errors") }
        if wrongAfterRefusal > hitsAfterRefusal || hitsAfterRefusal > min(semanticHits, requestsRefused) {
            out.append("hits after a guard refusal do not add up")
        }
        let byCheck = refusalsByCheck.values.reduce((0, 0, 0)) { ($0.0 + $1.other, $0.1 + $1.same, $0.2 + $1.unscored) }
        if byCheck != (refusedOtherClass, refusedSameClass, refusedUnscored) { out.append("guard refusals by check do not add up") }
        return out
    }
}
