// embed-bench: ms per embedding at 5, 20, 100 (and 256) tokens, against the sgemm-only floor (the same
// cblas_sgemm calls with nothing else). Run single-threaded on one core for stable numbers:
//
//   OPENBLAS_NUM_THREADS=1 taskset -c 1 .build/release/embed-bench [MODEL_DIR] [--rounds N]
//
// MODEL_DIR defaults to $TOLLGATE_MODEL_DIR, then .models/all-MiniLM-L6-v2.
import TollgateCore
import Foundation

var arguments = Array(CommandLine.arguments.dropFirst())
var rounds = 7
var budget = 0.25  // seconds per measurement
if let i = arguments.firstIndex(of: "--rounds"), i + 1 < arguments.count, let r = Int(arguments[i + 1]) {
    rounds = max(1, r)
    arguments.removeSubrange(i...(i + 1))
}
if let i = arguments.firstIndex(of: "--seconds"), i + 1 < arguments.count, let s = Double(arguments[i + 1]) {
    budget = max(0.01, s)
    arguments.removeSubrange(i...(i + 1))
}
let env = ProcessInfo.processInfo.environment
let modelDir = arguments.first ?? env["TOLLGATE_MODEL_DIR"] ?? ".models/all-MiniLM-L6-v2"

let embedder: MiniLMEmbedder
do {
    embedder = try MiniLMEmbedder(modelDirectory: URL(fileURLWithPath: modelDir))
} catch {
    FileHandle.standardError.write("embed-bench: cannot load model from \(modelDir): \(error)\n".data(using: .utf8)!)
    exit(1)
}

print("model: \(modelDir)  OPENBLAS_NUM_THREADS=\(env["OPENBLAS_NUM_THREADS"] ?? "(unset)")  rounds: \(rounds)")

let sample = String(repeating: "The quick brown fox jumps over the lazy dog while a caching gateway answers "
    + "repeated questions about large language model pricing, latency and semantic similarity. ", count: 12)
let sampleIDs = embedder.tokenize(sample)  // [CLS] ... [SEP], 256 ids

/// Seconds per call of `body`, one value per round of ~`budget` seconds.
func secondsPerCall(rounds: Int = 1, budget: Double, _ body: () -> Void) -> [Double] {
    // Calibrate the iteration count so that one round takes about `budget`.
    var iterations = 1
    while true {
        let start = ContinuousClock.now
        for _ in 0..<iterations { body() }
        let elapsed = (ContinuousClock.now - start).seconds
        if elapsed >= budget / 4 || iterations >= 1 << 20 {
            iterations = max(1, Int(Double(iterations) * budget / max(elapsed, 1e-9)))
            break
        }
        iterations *= 2
    }
    return (0..<rounds).map { _ in
        let start = ContinuousClock.now
        for _ in 0..<iterations { body() }
        return (ContinuousClock.now - start).seconds / Double(iterations)
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func format(_ seconds: Double) -> String { String(format: "%8.3f", seconds * 1000) }

print("tokens   embed ms (median / min)    sgemm-only ms (median / min)   ratio")
for n in [5, 20, 100, 256] {
    let ids = Array(sampleIDs.prefix(n - 1)) + [embedder.tokenizer.sepID]
    precondition(ids.count == n)
    // Warm up (page in weights, grow OpenBLAS buffers).
    for _ in 0..<5 {
        _ = try! embedder.embed(tokenIDs: ids)
        embedder.runMatrixProductsOnly(tokenCount: n)
    }
    var full: [Double] = []
    var floor: [Double] = []
    // Interleave the two measurements so that drift (other load, frequency) hits both alike.
    for _ in 0..<rounds {
        full += secondsPerCall(budget: budget) { _ = try! embedder.embed(tokenIDs: ids) }
        floor += secondsPerCall(budget: budget) { embedder.runMatrixProductsOnly(tokenCount: n) }
    }
    let ratio = median(full) / median(floor)
    print(String(format: "%6d  %@ / %@      %@ / %@        %5.3f×",
                 n, format(median(full)), format(full.min()!), format(median(floor)), format(floor.min()!), ratio))
}

// Tokenization cost for a ~20-token text and a long (truncated) one.
let shortText = "How do I reset the password of my account on the billing dashboard, please?"
let shortCount = embedder.tokenize(shortText).count
let tokShort = median(secondsPerCall(rounds: rounds, budget: budget) { _ = embedder.tokenize(shortText) })
let tokLong = median(secondsPerCall(rounds: rounds, budget: budget) { _ = embedder.tokenize(sample) })
let textEmbed = median(secondsPerCall(rounds: rounds, budget: budget) { _ = embedder.embed(shortText) })
print(String(format: "tokenize: %.1f µs (%d tokens), %.1f µs (%d-char text → 256 tokens); embed(text) at %d tokens: %.3f ms",
             tokShort * 1e6, shortCount, tokLong * 1e6, sample.count, shortCount, textEmbed * 1000))
