import Foundation
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// Builds a bench workload from a labelled paraphrase-pair data set (`tollgate bench import`).
///
/// Every distinct text of the selected rows becomes one request. Classes are the connected
/// components of the label-1 (paraphrase) pairs (union–find); a label-0 partner stays in its own
/// class, so it is a look-alike that must miss. The order is a seeded random interleaving of the
/// classes in which each class keeps its members in data order (the first member is the one the
/// cache learns from). `limit` keeps whole groups — components over all pairs, so a look-alike
/// negative always comes with the question it resembles — chosen in seeded random order.
/// `skip` first sets aside the groups that `limit: skip` with the same seed would choose, so
/// `skip: N, limit: M` is disjoint from `limit: N` (no text, no pair in common).
public enum WorkloadImporter {
    /// The data sets the importer reads.
    public enum Format: String, Sendable, CaseIterable {
        /// `qqp_pairs.json`: a JSON array of `{"text_a", "text_b", "label"}`.
        case qqp
        /// PAWS `dev.tsv` / `test.tsv`: `id, sentence1, sentence2, label` with a header row.
        case paws
        /// GPTCache `mock_data.json`: a JSON array of `{"origin", "similar"}` (all paraphrases).
        case gptcache
    }

    /// Which rows of the file to use (by 0-based row index).
    public enum Split: String, Sendable, CaseIterable {
        case even, odd, all
    }

    /// A labelled pair: label 1 = same meaning.
    public struct Pair: Sendable {
        public var a: String
        public var b: String
        public var label: Int
        public init(a: String, b: String, label: Int) { self.a = a; self.b = b; self.label = label }
    }

    /// One imported request.
    public struct Item: Sendable, Equatable {
        public var prompt: String
        public var classID: String
    }

    /// What an import produced.
    public struct Summary: Sendable {
        public var pairs = 0
        public var paraphrasePairs = 0
        public var requests = 0
        public var classes = 0
        /// Classes with two members or more (the only ones a cache can help with).
        public var sharedClasses = 0
        /// Requests a perfect cache could answer: every member of a class but its first.
        public var achievable: Int { requests - classes }
    }

    /// The pairs of a data file, in file order.
    public static func readPairs(format: Format, path: String) throws -> [Pair] {
        guard let data = FileManager.default.contents(atPath: path) else { throw WorkloadError(file: path, line: 0, message: "cannot read the file") }
        switch format {
        case .paws:
            var pairs: [Pair] = []
            // Lines end in CRLF in the published files: "\r\n" is one Character, so split on any newline.
            for (i, row) in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
                let f = row.split(separator: "\t", omittingEmptySubsequences: false)
                if i == 0, f.first == "id" { continue }
                guard f.count >= 4, let label = Int(f[3].trimmingCharacters(in: .whitespaces)) else {
                    throw WorkloadError(file: path, line: i + 1, message: "expected id, sentence1, sentence2, label")
                }
                pairs.append(Pair(a: String(f[1]), b: String(f[2]), label: label))
            }
            guard !pairs.isEmpty else { throw WorkloadError(file: path, line: 0, message: "no pairs found") }
            return pairs
        case .qqp, .gptcache:
            let json: JSONValue
            do { json = try JSONValue.parse(data) } catch { throw WorkloadError(file: path, line: 0, message: "not JSON: \(error)") }
            guard let rows = json.arrayValue else { throw WorkloadError(file: path, line: 0, message: "expected a JSON array") }
            return try rows.enumerated().map { i, row in
                let (ka, kb) = format == .qqp ? ("text_a", "text_b") : ("origin", "similar")
                guard let a = row[ka]?.stringValue, let b = row[kb]?.stringValue else {
                    throw WorkloadError(file: path, line: 0, message: "row \(i): expected \"\(ka)\" and \"\(kb)\" strings")
                }
                return Pair(a: a, b: b, label: format == .qqp ? (row["label"]?.intValue ?? 0) : 1)
            }
        }
    }

    /// The workload of `pairs` (see `WorkloadImporter`); the same seed gives the same workload.
    public static func build(pairs all: [Pair], split: Split, seed: UInt64, limit: Int? = nil, skip: Int? = nil) -> (items: [Item], summary: Summary) {
        let pairs = all.enumerated().filter { i, _ in split == .all || (i % 2 == 0) == (split == .even) }.map(\.element)
        var ids: [String: Int] = [:]
        var texts: [String] = []
        func node(_ s: String) -> Int? {
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !t.isEmpty else { return nil }
            if let i = ids[t] { return i }
            ids[t] = texts.count
            texts.append(t)
            return texts.count - 1
        }
        var edges: [(Int, Int, Bool)] = []
        for p in pairs {
            // An empty side is dropped; the other text stays, as a question of its own.
            let a = node(p.a), b = node(p.b)
            if let a, let b { edges.append((a, b, p.label == 1)) }
        }
        var classes = UnionFind(texts.count), groups = UnionFind(texts.count)
        for (a, b, same) in edges {
            groups.union(a, b)
            if same { classes.union(a, b) }
        }
        // Groups in order of first appearance, then a seeded shuffle; keep whole groups up to the limit.
        var rng = SplitMix64(seed: seed)
        var groupOrder: [Int] = []
        var members: [Int: [Int]] = [:]
        for n in 0..<texts.count {
            let g = groups.find(n)
            if members[g] == nil { groupOrder.append(g) }
            members[g, default: []].append(n)
        }
        rng.shuffle(&groupOrder)
        // The groups `limit` would take from `order`, in the same greedy way for `skip` and `limit`.
        func take(_ order: [Int], limit: Int?) -> [Int] {
            var taken: [Int] = [], count = 0
            for g in order {
                let size = members[g]!.count
                if let limit, count + size > limit { continue }
                taken.append(g)
                count += size
                if let limit, count >= limit { break }
            }
            return taken
        }
        if let skip {
            let skipped = Set(take(groupOrder, limit: skip))
            groupOrder.removeAll { skipped.contains($0) }
        }
        var chosen = take(groupOrder, limit: limit).flatMap { members[$0]! }
        chosen.sort()  // data order inside each class
        // Interleave: one slot per request, each slot names a class; slots are shuffled and each
        // takes that class's next member, so a class keeps its order and classes mix at random.
        var queue: [Int: [Int]] = [:]
        var slots: [Int] = []
        for n in chosen {
            let c = classes.find(n)
            queue[c, default: []].append(n)
            slots.append(c)
        }
        rng.shuffle(&slots)
        var next: [Int: Int] = [:]
        var names: [Int: String] = [:]
        var items: [Item] = []
        items.reserveCapacity(slots.count)
        for c in slots {
            let k = next[c, default: 0]
            next[c] = k + 1
            if names[c] == nil { names[c] = "c\(names.count + 1)" }
            items.append(Item(prompt: texts[queue[c]![k]], classID: names[c]!))
        }
        var summary = Summary()
        summary.pairs = pairs.count
        summary.paraphrasePairs = pairs.filter { $0.label == 1 }.count
        summary.requests = items.count
        summary.classes = queue.count
        summary.sharedClasses = queue.values.filter { $0.count > 1 }.count
        return (items, summary)
    }

    /// The workload as JSON Lines (see `Workload`).
    public static func jsonLines(_ items: [Item]) -> String {
        items.map { Workload.line(prompt: $0.prompt, classID: $0.classID) + "\n" }.joined()
    }
}

/// Union–find with path halving and union by size.
struct UnionFind {
    var parent: [Int]
    var size: [Int]

    init(_ n: Int) {
        parent = Array(0..<n)
        size = Array(repeating: 1, count: n)
    }

    mutating func find(_ x: Int) -> Int {
        var x = x
        while parent[x] != x {
            parent[x] = parent[parent[x]]
            x = parent[x]
        }
        return x
    }

    mutating func union(_ a: Int, _ b: Int) {
        var ra = find(a), rb = find(b)
        guard ra != rb else { return }
        if size[ra] < size[rb] { swap(&ra, &rb) }
        parent[rb] = ra
        size[ra] += size[rb]
    }
}

/// SplitMix64: a small seeded generator, the same sequence on every platform and Swift version.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fisher–Yates with this generator (not the standard library's, whose algorithm may change).
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            a.swapAt(i, j)
        }
    }
}
