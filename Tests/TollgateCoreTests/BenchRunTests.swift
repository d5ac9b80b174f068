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
        // Refusals only when the guard (or the verifier) is on.
        if !run.curve.refuses { #expect(s.refusedOtherClass + s.refusedSameClass + s.refusedUnscored == 0) }
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
                                                            thresholds: [0.93, 0.90], curves: nil, reuseEmbeddings: true,
                                                            answerTokens: 200, logger: logger)
        // Three curves (the embedded default has the verifier), each at both thresholds.
        #expect(points.count == 6 && runner.semanticOn && runner.sweepCurves == [.verifier, .guarded, .alone])
        #expect(points.map(\.run.curve) == [.verifier, .guarded, .alone, .verifier, .guarded, .alone])
        for p in points { Self.checkArithmetic(p) }
        #expect(points.map(\.run.embeddingsReused) == [false, true, true, true, true, true])
        // The workload repeats ten prompts word for word: exact hits happen, and they are never wrong.
        #expect(points.allSatisfy { $0.summary.exactHits > 0 })
        // The verifier curve's threshold is its candidate gate: at 0.90 it refuses candidates the
        // verifier rejects, and no refusal is below the gate.
        let verified = try #require(points.first { $0.run.threshold == 0.90 && $0.run.curve == .verifier })
        #expect(verified.run.outcomes.flatMap(\.refusals).allSatisfy { $0.similarity >= 0.90 - 1e-6 })
        #expect(verified.run.outcomes.flatMap(\.refusals).contains { $0.check == "verifier" }, "the verifier refused nothing on a workload of look-alikes")
        let atDefault = verified
        let marks = SweepMarks(byCurve: [.verifier: 0.90, .guarded: 0.93, .alone: 0.93], primary: .verifier)

        // The files: report.md, report.json (parses, same numbers), sweep.svg (title, axes, legend).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let context = BenchContext(workload: Self.workloadPath, requests: workload, model: "gpt-4o-mini", embedder: embedder.name, config: "embedded default",
                                   target: "in process", configuredThreshold: 0.93, answerTokens: 200)
        try BenchSession.writeSweep(points, context: context, marks: marks, title: "test sweep", to: dir)
        let json = try JSONValue.parse(try #require(FileManager.default.contents(atPath: dir + "/report.json")))
        let first = try #require(json["points"]?.arrayValue?.first?["summary"])
        #expect(first["requests"]?.intValue == points[0].summary.requests)
        #expect(first["semantic_hits"]?.intValue == points[0].summary.semanticHits)
        #expect(first["semantic_wrong"]?["count"]?.intValue == points[0].summary.semanticWrong)
        let svg = try String(contentsOfFile: dir + "/sweep.svg", encoding: .utf8)
        for needle in ["<svg", "test sweep", "verifier + guard (the default)", "threshold + guard", "threshold alone", "cosine threshold", "(default)", "</svg>"] {
            #expect(svg.contains(needle), "sweep.svg lacks \(needle)")
        }
        let md = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(md.contains("| 0.90 **(default)** | verifier + guard |") && md.contains("## At the default threshold 0.90, verifier + guard"), "\(md.prefix(3000))")
        #expect(md.contains("| 0.93 (its default) | threshold + guard |"), "\(md.prefix(3000))")
        for file in ["wrong-hits-0.90-verifier.jsonl", "wrong-hits-0.93-guard.jsonl", "wrong-hits-0.93-alone.jsonl", "refusals-0.90-verifier.jsonl", "refusals-0.93-guard.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file) missing")
        }

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
        #expect(singleMD.contains("## Refusals by check"))
    }
}
