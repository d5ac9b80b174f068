// verifier-bench: ms per pair for the pair verifier (issue 15), p50 / p90 over pairs of the lengths the
// semantic cache sees (short chat prompts) and at the 64-token cap. Run single-threaded:
//
//   OPENBLAS_NUM_THREADS=1 taskset -c 1 .build/release/verifier-bench [VERIFIER_FILE] [MODEL_DIR]
import Foundation
import TollgateCore

let args = Array(CommandLine.arguments.dropFirst())
let env = ProcessInfo.processInfo.environment
let file = args.first ?? "models/verifier/pair-verifier.safetensors"
let modelDir = args.count > 1 ? args[1] : env["TOLLGATE_MODEL_DIR"] ?? ".models/all-MiniLM-L6-v2"
let verifier: PairVerifier
do {
    verifier = try PairVerifier(verifierFile: URL(fileURLWithPath: file), modelDirectory: URL(fileURLWithPath: modelDir))
} catch {
    FileHandle.standardError.write("verifier-bench: \(error)\n".data(using: .utf8)!)
    exit(1)
}
print("verifier: \(file)  model: \(modelDir)  OPENBLAS_NUM_THREADS=\(env["OPENBLAS_NUM_THREADS"] ?? "(unset)")")

let pairs: [(String, String)] = [
    ("How do I reverse a list in Python?", "How can I reverse a list in Python?"),
    ("What is 7 divided by 2?", "What is 2 divided by 7?"),
    ("What's the weather in Paris today?", "What's the weather in Paris tomorrow?"),
    ("Explain the difference between TCP and UDP in simple terms.", "How do TCP and UDP differ? Keep it simple."),
    ("Write an email to my landlord about the broken heating in my apartment.",
     "Draft a message for my landlord saying the heating in my flat is broken."),
    (String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 6),
     String(repeating: "A fast brown fox leaps over a sleepy dog. ", count: 6)),
]

func ms(_ body: () -> Void) -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
}

for (a, b) in pairs { _ = verifier.score(a, b) }  // warm up
for (a, b) in pairs {
    var times: [Double] = []
    var z: Float = 0
    for _ in 0..<60 { times.append(ms { z = verifier.logit(a, b) }) }
    times.sort()
    let n = verifier.pairTokens(a, b).ids.count
    print(String(format: "%3d tokens: p50 %.2f ms, p90 %.2f ms  logit %+.3f  %@", n, times[30], times[54], z,
                 String((a + " / " + b).prefix(60))))
}
var all: [Double] = []
for _ in 0..<20 { for (a, b) in pairs { all.append(ms { _ = verifier.logit(a, b) }) } }
all.sort()
print(String(format: "all pairs: p50 %.2f ms, p90 %.2f ms", all[all.count / 2], all[all.count * 9 / 10]))

// The floor on this machine now: the embedder's bare sgemm calls at the same token count (the verifier has
// the same shapes), interleaved with the verifier so that both see the same load.
if let embedder = try? MiniLMEmbedder(modelDirectory: URL(fileURLWithPath: modelDir)) {
    let (a, b) = pairs[0]
    let n = verifier.pairTokens(a, b).ids.count
    var v: [Double] = [], f: [Double] = []
    for _ in 0..<60 {
        v.append(ms { _ = verifier.logit(a, b) })
        f.append(ms { embedder.runMatrixProductsOnly(tokenCount: n) })
    }
    v.sort(); f.sort()
    print(String(format: "%d tokens, interleaved: verifier p50 %.2f ms, sgemm-only floor p50 %.2f ms (ratio %.2f)", n, v[30], f[30], v[30] / f[30]))
}
