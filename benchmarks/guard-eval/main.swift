import Foundation
import TollgateCore

// guard-eval: how the look-alike guard changes semantic hits on a labelled pair set.
//
//   guard-eval PAIRS.tsv [--threshold 0.90] [--kinds numbers,quoted,…] [--show wrong|right N]
//   guard-eval --explain "prompt a" "prompt b"
//   guard-eval --bench
//
// PAIRS.tsv rows are `text_a \t text_b \t label \t cosine` (scripts/pair_cosines.py); label 1 =
// paraphrase. For thresholds 0.80 … 0.98 it prints the pairs at or above the threshold, how many
// are paraphrases (label 1) and how many wrong (label 0), and how many of each the guard passes.

struct Pair {
    let a: String
    let b: String
    let label: Int
    let cosine: Double
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

func readPairs(_ path: String) -> [Pair] {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        fail("cannot read \(path)")
    }
    return text.split(separator: "\n").compactMap { line in
        let f = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard f.count == 4, let label = Int(f[2]), let cos = Double(f[3]) else { return nil }
        return Pair(a: String(f[0]), b: String(f[1]), label: label, cosine: cos)
    }
}

func pct(_ n: Int, _ d: Int) -> String { d == 0 ? "    -" : String(format: "%5.1f", 100 * Double(n) / Double(d)) }
func ratio(_ n: Int, _ d: Int) -> String { d == 0 ? "   - " : String(format: "%.3f", Double(n) / Double(d)) }
func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }

var args = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    let v = args[i + 1]
    args.removeSubrange(i...(i + 1))
    return v
}

if args.first == "--explain" {
    guard args.count == 3 else { fail("usage: guard-eval --explain \"a\" \"b\"") }
    let g = LookalikeGuard()
    print("a: \(g.features(of: args[1]))")
    print("b: \(g.features(of: args[2]))")
    let v = g.verdict(query: args[1], cached: args[2])
    print(v.pass ? "PASS" : "BLOCK \(v.kind!.rawValue): \(v.reason ?? "")")
    exit(0)
}

if args.first == "--bench" {
    Bench.run()
    exit(0)
}

let threshold = Double(option("--threshold") ?? "0.90") ?? 0.90
let kinds = option("--kinds").map { Set($0.split(separator: ",").compactMap { MismatchKind(rawValue: String($0)) }) } ?? Set(MismatchKind.allCases)
let show = option("--show")
let showCount = Int(option("--count") ?? "40") ?? 40
guard let path = args.first else { fail("usage: guard-eval PAIRS.tsv [--threshold T] [--kinds k1,k2] [--show wrong|right] [--count N]") }

let pairs = readPairs(path)
let guardrail = LookalikeGuard(checks: kinds)
var cache: [String: PromptFeatures] = [:]
@MainActor func features(_ s: String) -> PromptFeatures {
    if let f = cache[s] { return f }
    let f = guardrail.features(of: s)
    cache[s] = f
    return f
}
let low = 0.80
let candidates = pairs.filter { $0.cosine >= low - 1e-9 }
let verdicts = candidates.map { guardrail.verdict(query: features($0.a), cached: features($0.b)) }
let positives = pairs.filter { $0.label == 1 }.count

print("\(path): \(pairs.count) pairs, \(positives) label-1; guard checks: \(kinds.count == MismatchKind.allCases.count ? "all" : kinds.map(\.rawValue).sorted().joined(separator: ","))")
print("")
print("thresh  above  label1  label0 | prec  recall | guard: pass1  pass0 | kept1%  cut0% | prec  recall")
for step in 0...9 {
    let t = 0.80 + 0.02 * Double(step)
    var above1 = 0, above0 = 0, pass1 = 0, pass0 = 0
    for (p, v) in zip(candidates, verdicts) where p.cosine >= t - 1e-9 {
        if p.label == 1 { above1 += 1; if v.pass { pass1 += 1 } } else { above0 += 1; if v.pass { pass0 += 1 } }
    }
    let cut = above0 == 0 ? "    -" : pct(above0 - pass0, above0)
    print(String(format: "%.2f", t) + pad(String(above1 + above0), 7) + pad(String(above1), 8) + pad(String(above0), 8)
        + " | " + ratio(above1, above1 + above0) + "  " + ratio(above1, positives)
        + " | " + pad(String(pass1), 12) + pad(String(pass0), 7) + " | " + pad(pct(pass1, above1), 6) + pad(cut, 7)
        + " | " + ratio(pass1, pass1 + pass0) + "  " + ratio(pass1, positives))
}

// Which checks block what, at the chosen threshold: the first failing check, and each check alone.
print("")
print(String(format: "at %.2f — blocked by (first failing check; that check alone):", threshold))
var first: [MismatchKind: (Int, Int)] = [:]
var alone: [MismatchKind: (Int, Int)] = [:]
let singles = Dictionary(uniqueKeysWithValues: MismatchKind.allCases.map { ($0, LookalikeGuard(checks: [$0])) })
for (p, v) in zip(candidates, verdicts) where p.cosine >= threshold - 1e-9 {
    if let k = v.kind {
        var c = first[k] ?? (0, 0)
        if p.label == 1 { c.0 += 1 } else { c.1 += 1 }
        first[k] = c
    }
    for (k, g) in singles where kinds.contains(k) && !g.verdict(query: features(p.a), cached: features(p.b)).pass {
        var c = alone[k] ?? (0, 0)
        if p.label == 1 { c.0 += 1 } else { c.1 += 1 }
        alone[k] = c
    }
}
print("kind           first: label1 label0 | alone: label1 label0")
for k in MismatchKind.allCases where kinds.contains(k) {
    let f = first[k] ?? (0, 0), a = alone[k] ?? (0, 0)
    print(k.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) + pad(String(f.0), 14) + pad(String(f.1), 7)
        + " | " + pad(String(a.0), 13) + pad(String(a.1), 7))
}

if let show {
    // wrong = label-0 pairs the guard passed; right = label-1 pairs the guard blocked.
    print("")
    var shown = 0
    for (p, v) in zip(candidates, verdicts) where p.cosine >= threshold - 1e-9 && shown < showCount {
        let hit = show == "wrong" ? (p.label == 0 && v.pass) : (p.label == 1 && !v.pass)
        guard hit else { continue }
        shown += 1
        print(String(format: "%.3f ", p.cosine) + (v.reason ?? "pass"))
        print("   A: \(p.a)")
        print("   B: \(p.b)")
    }
}
