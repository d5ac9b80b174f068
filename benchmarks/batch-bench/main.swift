// batch-bench: embeddings per second and latency at concurrency 1..32, the local model called
// directly by each task (every prompt its own forward pass, on the cooperative pool) against the
// BatchingEmbedder (concurrent prompts share forward passes, on the embedder's own threads), side
// by side in one run:
//
//   swift build -c release --product batch-bench
//   OPENBLAS_NUM_THREADS=1 .build/release/batch-bench [MODEL_DIR] [--seconds S]
import Foundation
import Synchronization
import TollgateCore

var arguments = Array(CommandLine.arguments.dropFirst())
let seconds: Double = {
    guard let i = arguments.firstIndex(of: "--seconds"), i + 1 < arguments.count, let s = Double(arguments[i + 1]) else { return 3 }
    arguments.removeSubrange(i...(i + 1))
    return s
}()
let env = ProcessInfo.processInfo.environment
let modelDir = arguments.first ?? env["TOLLGATE_MODEL_DIR"] ?? ".models/all-MiniLM-L6-v2"
guard let model = try? MiniLMEmbedder(modelDirectory: URL(fileURLWithPath: modelDir)) else {
    FileHandle.standardError.write(Data("batch-bench: cannot load the model from \(modelDir)\n".utf8))
    exit(1)
}

// Chat-sized prompts (8-30 words), generated: a topic, a verb and details.
let subjects = ["a Python list", "the capital of France", "my invoice", "a Kubernetes pod", "the weather in Paris", "an SQL join",
                "a React component", "the French revolution", "a sourdough starter", "my laptop battery", "a Swift actor", "compound interest"]
let asks = ["How do I reverse", "Explain", "What is wrong with", "Summarize", "Write a short note about", "Compare two ways to fix",
            "Give three facts about", "Translate into German a sentence about"]
let details = ["in simple words", "for a beginner", "with an example", "step by step", "in under fifty words", "and cite a source",
               "assuming version 3.12", "for a team meeting tomorrow at 9"]
let prompts: [String] = (0..<512).map { i in
    "\(asks[i % asks.count]) \(subjects[(i / 3) % subjects.count]) \(details[(i / 7) % details.count])? Request \(i)."
}
let meanTokens = Double(prompts.map { model.tokenize($0).count }.reduce(0, +)) / Double(prompts.count)

extension Duration {
    var s: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// `clients` tasks embedding prompts back to back for `seconds`: embeddings a second, p50 and p99 ms.
func run(clients: Int, _ embed: @escaping @Sendable (String) async -> [Float]) async -> (rate: Double, p50: Double, p99: Double) {
    let stop = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    let started = ContinuousClock.now
    let latencies = await withTaskGroup(of: [Double].self) { group in
        for c in 0..<clients {
            group.addTask {
                var mine: [Double] = []
                var i = c * 37
                while ContinuousClock.now < stop {
                    let t0 = ContinuousClock.now
                    _ = await embed(prompts[i % prompts.count])
                    mine.append((ContinuousClock.now - t0).s * 1000)
                    i += 1
                }
                return mine
            }
        }
        var all: [Double] = []
        for await part in group { all += part }
        return all.sorted()
    }
    let elapsed = (ContinuousClock.now - started).s
    func pct(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    return (Double(latencies.count) / elapsed, pct(0.5), pct(0.99))
}

let batching = BatchingEmbedder(model: model)
print("model: \(modelDir)  OPENBLAS_NUM_THREADS=\(env["OPENBLAS_NUM_THREADS"] ?? "(unset)")  cores: \(ProcessInfo.processInfo.activeProcessorCount)  prompts: \(prompts.count), mean \(String(format: "%.1f", meanTokens)) tokens  \(seconds) s per cell")
print("clients | direct emb/s  p50 ms  p99 ms | batched emb/s  p50 ms  p99 ms | throughput ratio")
for _ in 0..<20 { _ = model.embed(prompts[0]); _ = await batching.embed(prompts[1]) }  // warm up
for clients in [1, 2, 4, 8, 16, 32] {
    let direct = await run(clients: clients) { model.embed($0) }
    let batched = await run(clients: clients) { await batching.embed($0) }
    print(String(format: "%7d | %12.1f %7.2f %7.2f | %13.1f %7.2f %7.2f | %.2f×", clients, direct.rate, direct.p50, direct.p99,
                 batched.rate, batched.p50, batched.p99, batched.rate / direct.rate))
}
let (passes, sequences) = batching.counts
print(String(format: "batched: %d forward passes for %d prompts (%.1f a pass)", passes, sequences, Double(sequences) / Double(max(passes, 1))))
