import Foundation
import Logging
import Testing

import TollgateCore
@testable import TollgateBase
@testable import TollgateHTTPClient
@testable import TollgateExactCache
@testable import TollgateSemantic
@testable import TollgateProviders
@testable import TollgateRouting
@testable import TollgateShared
@testable import TollgateFixtures
@testable import TollgateDialects
@testable import TollgatePipeline
@testable import TollgateServer
@testable import TollgateMock
@testable import TollgateBench

/// A quick bench on our own workload (benchmarks/workloads/own.jsonl) through the real request
/// path in process — gateway, LMDB, MiniLM, guard, router, libcurl, the bench upstream — and
/// checks that the report's arithmetic holds.
@Suite(.serialized) struct BenchRunTests {
    static let workloadPath = EmbedderTestSupport.packageRoot.appendingPathComponent("benchmarks/workloads/own.jsonl").path

    /// Every relation the report's numbers must satisfy.
    static func checkArithmetic(_ p: SweepPoint) {
        let s = p.summary, run = p.run
        #expect(s.inconsistencies.isEmpty, "\(s.inconsistencies)")
        #expect(s.requests == run.outcomes.count)
        #expect(s.exactHits + s.semanticHits + s.misses + s.errors == s.requests)
        #expect(s.errors == 0)
        // Every request of our workload has a class, so every semantic hit is scored.
        #expect(s.scored == s.requests)
        #expect(s.semanticCorrect + s.semanticWrong == s.semanticHits)
        #expect(s.exactWrong == 0)
        #expect(s.correctHits + s.wrongHits == s.hits)
        #expect(s.correctHits <= s.achievable && s.achievable <= s.scored)
        // Upstream calls are counted by the upstream itself: exactly the misses; hits avoid one each.
        #expect(s.upstreamCalls == s.misses && s.avoidedCalls == s.hits)
        for prop in [s.semanticCorrectShare, s.semanticWrongShare, s.wrongOfHits, s.wrongOfRequests, s.hitRatio, s.achievableShare, s.hitsOfAchievable] {
            guard let v = prop.value, let ci = prop.wilson else { continue }
            #expect(0 <= v && v <= 1)
            #expect(ci.low <= v + 1e-12 && v <= ci.high + 1e-12, "\(prop)")
        }
        if let c = s.semanticCorrectShare.value, let w = s.semanticWrongShare.value { #expect(abs(c + w - 1) < 1e-12) }
        // Money: misses cost, hits save; a wrong hit's saving is part of the savings.
        #expect(s.spentUSD > 0 && (s.hits == 0) == (s.savedUSD == 0) && s.savedByWrongUSD <= s.savedUSD)
        // Latency series: one value per request of each path; the embedding and lookup are inside the total.
        #expect(s.latency[.exact]?.total?.count ?? 0 == s.exactHits)
        #expect(s.latency[.semantic]?.total?.count ?? 0 == s.semanticHits)
        #expect(s.latency[.miss]?.total?.count ?? 0 == s.misses)
        for o in run.outcomes where o.path != .exact {
            #expect((o.embedNanos ?? 0) + (o.lookupNanos ?? 0) <= o.nanos)
        }
        // Guard refusals only when the guard is on.
        if !run.guardOn { #expect(s.refusedOtherClass + s.refusedSameClass + s.refusedUnscored == 0) }
        for o in run.outcomes {
            #expect(o.refusals.count == o.refusedOtherClass + o.refusedSameClass + o.refusedUnscored)
            // With the verifier (the default) candidates start at its looser gate, and it refuses as `verifier`.
            let gate = min(run.threshold, GatewayConfig.VerifierSettings.defaultCandidateThreshold)
            #expect(o.refusals.allSatisfy { $0.similarity >= gate - 1e-6 && (MismatchKind(rawValue: $0.check) != nil || $0.check == "verifier") })
        }
    }

    @Test func quickSweepOnOurWorkloadAddsUp() async throws {
        let embedder = try EmbedderTestSupport.embedder()
        let workload = try Workload.load(path: Self.workloadPath, model: "gpt-4o-mini")
        #expect(workload.count >= 150 && workload.allSatisfy { $0.classID != nil })
        var logger = Logger(label: "bench-test")
        logger.logLevel = .warning
        let (points, runner) = try await BenchSession.sweep(workload: workload, config: DefaultConfig.config(), embedder: embedder,
                                                            thresholds: [0.93, 0.85], guards: [true, false], reuseEmbeddings: true,
                                                            answerTokens: 200, logger: logger)
        #expect(points.count == 4 && runner.semanticOn)
        for p in points { Self.checkArithmetic(p) }
        #expect(points.map(\.run.embeddingsReused) == [false, true, true, true])
        // The workload repeats ten prompts word for word: exact hits happen, and they are never wrong.
        #expect(points.allSatisfy { $0.summary.exactHits > 0 })
        let atDefault = try #require(points.first { $0.run.threshold == 0.93 && $0.run.guardOn })

        // The files: report.md, report.json (parses, same numbers), sweep.svg (title, axes, legend).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let context = BenchContext(workload: Self.workloadPath, requests: workload, model: "gpt-4o-mini", embedder: embedder.name, config: "embedded default",
                                   target: "in process", configuredThreshold: 0.93, answerTokens: 200)
        try BenchSession.writeSweep(points, context: context, marked: 0.93, title: "test sweep", to: dir)
        let json = try JSONValue.parse(try #require(FileManager.default.contents(atPath: dir + "/report.json")))
        let first = try #require(json["points"]?.arrayValue?.first?["summary"])
        #expect(first["requests"]?.intValue == points[0].summary.requests)
        #expect(first["semantic_hits"]?.intValue == points[0].summary.semanticHits)
        #expect(first["semantic_wrong"]?["count"]?.intValue == points[0].summary.semanticWrong)
        let svg = try String(contentsOfFile: dir + "/sweep.svg", encoding: .utf8)
        for needle in ["<svg", "test sweep", "threshold + look-alike guard", "threshold alone", "cosine similarity threshold", "(default)", "</svg>"] {
            #expect(svg.contains(needle), "sweep.svg lacks \(needle)")
        }
        let md = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(md.contains("| 0.93 **(default)** | on |") && md.contains("## At the default threshold 0.93"))

        try BenchSession.writeRun(atDefault, context: context, to: dir + "/single")
        let wrong = try String(contentsOfFile: dir + "/single/wrong-hits.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(wrong.count == atDefault.summary.wrongHits)
        for line in wrong {
            let w = try JSONValue.parse(String(line))
            #expect(w["query_class"] != w["cached_class"] && w["cached"]?.stringValue != "?")
        }
        // Our workload has look-alikes: the guard refuses some, and each refusal is listed with its check.
        let refusals = try String(contentsOfFile: dir + "/single/guard-refusals.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(!refusals.isEmpty && refusals.count == atDefault.summary.refusedOtherClass + atDefault.summary.refusedSameClass + atDefault.summary.refusedUnscored)
        for line in refusals {
            let r = try JSONValue.parse(String(line))
            #expect((r["check"]?.stringValue.flatMap(MismatchKind.init(rawValue:)) != nil || r["check"]?.stringValue == "verifier") && r["cached"]?.stringValue != "?")
            #expect(r["cached_class"]?.stringValue != nil && r["same_class"]?.boolValue == (r["query_class"] == r["cached_class"]))
        }
        let singleMD = try String(contentsOfFile: dir + "/single/report.md", encoding: .utf8)
        #expect(singleMD.contains("## Guard refusals by check"))
    }
}
