import Foundation
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

/// The bench's pieces: statistics, the workload format, the importer and the upstream's answers.
@Suite struct BenchPieceTests {
    @Test func wilsonIntervalMatchesTheFormulaAndContainsTheEstimate() throws {
        let p = Proportion(8, of: 10)
        let w = try #require(p.wilson)
        #expect(abs(w.low - 0.4902) < 1e-4 && abs(w.high - 0.9433) < 1e-4)
        for (k, n) in [(0, 1), (0, 50), (1, 50), (25, 50), (49, 50), (50, 50), (3, 20_000)] {
            let q = Proportion(k, of: n)
            let (v, ci) = (try #require(q.value), try #require(q.wilson))
            #expect(ci.low <= v + 1e-12 && v <= ci.high + 1e-12 && ci.low >= 0 && ci.high <= 1)
        }
        #expect(Proportion(0, of: 10).wilson?.low == 0)
        #expect(Proportion(10, of: 10).wilson?.high == 1)
        #expect(Proportion(0, of: 0).value == nil && Proportion(0, of: 0).wilson == nil)
    }

    @Test func percentilesAreNearestRank() throws {
        let l = try #require(LatencySummary(nanos: (1...100).map { Int64($0) * 1_000_000 }))
        #expect(l.p50 == 50 && l.p95 == 95 && l.p99 == 99 && l.count == 100)
        let one = try #require(LatencySummary(nanos: [2_500_000]))
        #expect(one.p50 == 2.5 && one.p99 == 2.5)
        #expect(LatencySummary(nanos: []) == nil)
    }

    @Test func sweepSpecs() {
        let t = BenchStats.sweep("0.80:0.98:0.02")
        #expect(t?.count == 10 && t?.first == 0.8 && t?.last == 0.98)
        #expect(BenchStats.sweep("0.9:0.9:0.01") == [0.9])
        #expect(BenchStats.threshold(0.92) == "0.92" && BenchStats.threshold(0.925) == "0.925" && BenchStats.threshold(0.8) == "0.80")
        for bad in ["0.9:0.8:0.01", "0.8:0.9", "0.8:0.9:0", "a:b:c", "0.5:1.5:0.1"] { #expect(BenchStats.sweep(bad) == nil) }
    }

    @Test func workloadLinesPromptsBodiesAndClasses() throws {
        let text = """
            {"prompt": "Why is the sky blue?", "class": "c1"}

            {"request": {"model": "m2", "messages": [{"role": "system", "content": "terse"}, {"role": "user", "content": "hi"}], "stream": true}, "class": 7}
            {"prompt": "no class"}
            """
        let w = try Workload.parse(text, model: "gpt-4o-mini")
        #expect(w.count == 3)
        #expect(w[0].text == "Why is the sky blue?" && w[0].classID == "c1" && w[0].line == 1 && w[0].body["model"]?.stringValue == "gpt-4o-mini")
        #expect(w[1].classID == "7" && w[1].line == 3 && w[1].body["stream"] == nil && w[1].body["model"]?.stringValue == "m2" && w[1].text == "hi")
        #expect(w[2].classID == nil)
        #expect(try Workload.parse(text, model: "m", limit: 2).count == 2)
        for (bad, line) in [("{\"prompt\": 3}", 1), ("{}\n", 1), ("{\"prompt\": \"a\"}\nnot json", 2), ("{\"prompt\": \"a\", \"class\": [1]}", 1)] {
            #expect(throws: WorkloadError.self) { try Workload.parse(bad, model: "m") }
            do { _ = try Workload.parse(bad, model: "m") } catch let e as WorkloadError { #expect(e.line == line) }
        }
        let crlf = try Workload.parse("{\"prompt\": \"a\"}\r\n{\"prompt\": \"b\"}\r\n", model: "m")
        #expect(crlf.map(\.text) == ["a", "b"] && crlf.map(\.line) == [1, 2])
        let line = Workload.line(prompt: "a \"quoted\" word", classID: "c9")
        #expect(try Workload.parse(line, model: "m")[0].text == "a \"quoted\" word")
    }

    static let pairs: [WorkloadImporter.Pair] = [
        .init(a: "q1", b: "q1 again", label: 1),      // 0
        .init(a: "q1 again", b: "q1 once more", label: 1),  // 1 (odd): joins the class only with split all
        .init(a: "q1", b: "q1 look-alike", label: 0),  // 2
        .init(a: "q2", b: "q3", label: 0),            // 3
        .init(a: "q4", b: "q4 again", label: 1),      // 4
        .init(a: "  ", b: "q5", label: 1),            // 5: an empty text is skipped
    ]

    @Test func importerBuildsClassesByUnionFindAndKeepsLookalikesApart() {
        let (items, s) = WorkloadImporter.build(pairs: Self.pairs, split: .all, seed: 1)
        let cls = Dictionary(items.map { ($0.prompt, $0.classID) }, uniquingKeysWith: { a, _ in a })
        #expect(items.count == 9 && Set(items.map(\.prompt)).count == 9)
        #expect(cls["q1"] == cls["q1 again"] && cls["q1"] == cls["q1 once more"])
        #expect(cls["q1"] != cls["q1 look-alike"] && cls["q2"] != cls["q3"] && cls["q4"] == cls["q4 again"])
        #expect(s.classes == 6 && s.sharedClasses == 2 && s.achievable == 3 && s.requests == 9)
        // A class keeps its data order: its first member comes first.
        let pos = Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1.prompt, $0) })
        #expect(pos["q1"]! < pos["q1 again"]! && pos["q1 again"]! < pos["q1 once more"]! && pos["q4"]! < pos["q4 again"]!)

        let even = WorkloadImporter.build(pairs: Self.pairs, split: .even, seed: 1).items
        #expect(!even.contains { $0.prompt == "q1 once more" } && even.contains { $0.prompt == "q1 look-alike" })
        let odd = WorkloadImporter.build(pairs: Self.pairs, split: .odd, seed: 1).items
        #expect(Set(odd.map(\.prompt)) == ["q1 again", "q1 once more", "q2", "q3", "q5"])
    }

    @Test func pawsTSVWithCRLFLineEnds() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("paws-\(UUID().uuidString).tsv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "id\tsentence1\tsentence2\tlabel\r\n1\tA cat sat .\tThe cat sat .\t1\r\n2\tA to B .\tB to A .\t0\r\n".write(toFile: path, atomically: true, encoding: .utf8)
        let pairs = try WorkloadImporter.readPairs(format: .paws, path: path)
        #expect(pairs.map(\.label) == [1, 0] && pairs[0].b == "The cat sat ." && pairs[1].a == "A to B .")
        try "id\tsentence1\tsentence2\tlabel\r\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: WorkloadError.self) { try WorkloadImporter.readPairs(format: .paws, path: path) }
    }

    @Test func importerIsSeededAndLimitKeepsWholeGroups() {
        var many: [WorkloadImporter.Pair] = []
        for i in 0..<200 { many.append(.init(a: "a\(i)", b: "b\(i)", label: i % 3 == 0 ? 0 : 1)) }
        let one = WorkloadImporter.build(pairs: many, split: .all, seed: 42).items
        #expect(one == WorkloadImporter.build(pairs: many, split: .all, seed: 42).items)
        #expect(one != WorkloadImporter.build(pairs: many, split: .all, seed: 43).items)
        let limited = WorkloadImporter.build(pairs: many, split: .all, seed: 42, limit: 51).items
        #expect(limited.count == 50)
        let texts = Set(limited.map(\.prompt))
        for i in 0..<200 { #expect(texts.contains("a\(i)") == texts.contains("b\(i)")) }
    }

    @Test func importerSkipLeavesOutExactlyTheGroupsOfTheSameLimit() {
        // Groups of 2 and 3 texts (a third text joins every fifth pair), so the greedy limit skips some.
        var many: [WorkloadImporter.Pair] = []
        for i in 0..<200 {
            many.append(.init(a: "a\(i)", b: "b\(i)", label: i % 3 == 0 ? 0 : 1))
            if i % 5 == 0 { many.append(.init(a: "b\(i)", b: "c\(i)", label: 1)) }
        }
        func texts(limit: Int? = nil, skip: Int? = nil) -> Set<String> {
            Set(WorkloadImporter.build(pairs: many, split: .all, seed: 7, limit: limit, skip: skip).items.map(\.prompt))
        }
        let first = texts(limit: 101), next = texts(limit: 101, skip: 101), rest = texts(skip: 101), all = texts()
        #expect(!first.isEmpty && !next.isEmpty && first.count <= 101 && next.count <= 101)
        #expect(first.isDisjoint(with: next) && first.isDisjoint(with: rest))
        #expect(next.isSubset(of: rest) && first.union(rest) == all)
        for i in 0..<200 {  // whole groups on both sides
            #expect(next.contains("a\(i)") == next.contains("b\(i)") && rest.contains("a\(i)") == rest.contains("b\(i)"))
            if i % 5 == 0 { #expect(rest.contains("b\(i)") == rest.contains("c\(i)")) }
        }
        #expect(texts(limit: 101, skip: 0) == first)
    }

    @Test func upstreamAnswersByClassAndTheBenchReadsItBack() {
        let w = [BenchRequest(body: Workload.requestBody(prompt: "hello", model: "m"), classID: "c3", line: 5, text: "hello")]
        let up = BenchUpstream(workload: w, answerTokens: 50)
        let content = up.content(for: w[0].body["messages"]!)
        #expect(content.hasPrefix("class:c3 line:5 ") && abs(content.utf8.count - 200) <= 8)
        let parsed = BenchUpstream.parse(content: content)
        #expect(parsed.classID == "c3" && parsed.line == 5)
        let unknown = BenchUpstream.parse(content: up.content(for: ["other"]))
        #expect(unknown.classID == nil && unknown.line == 0)
    }
}
