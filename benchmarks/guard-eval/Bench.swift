import Foundation
import TollgateCore

/// Times the guard on typical prompt pairs: the full string verdict (features of both sides plus
/// the comparison) and the precomputed form (comparison only).
enum Bench {
    static let pairs: [(String, String)] = [
        ("Convert 10 miles to km", "Convert 10 km to miles"),
        ("Can you please summarise this article about the history of the Roman Empire in three bullet points?",
         "Summarize this article on the history of the Roman Empire in 3 bullet points."),
        ("Write a Python function that returns the largest number in a list without using max()",
         "Write a JavaScript function that returns the smallest number in a list without using min()"),
        ("What is the difference between a process and a thread in Linux?", "How does a thread differ from a process on Linux?"),
        ("How do I sort a list of dictionaries by value in descending order in Python 3?",
         "In Python 3, how can I sort a list of dicts by a value, descending?"),
        ("Translate \"Where is the train station?\" from English to French", "Translate \"Where is the train station?\" from French to English"),
        ("I don't understand why my React component doesn't re-render when the state changes, can you explain?",
         "Explain why a Vue component does not re-render after a state change"),
        ("What are the pros and cons of living in New York City compared to Los Angeles?",
         "What are the advantages and disadvantages of living in NYC vs LA?"),
    ]

    static func run() {
        let g = LookalikeGuard()
        var sink = 0
        // Warm up the lexicon.
        for (a, b) in pairs { sink &+= g.verdict(query: a, cached: b).pass ? 1 : 0 }
        // The machine is shared: thread CPU time, best of several runs.
        let rounds = 500, runs = 7
        var full = Double.infinity, cmp = Double.infinity, one = Double.infinity
        let pre = pairs.map { (g.features(of: $0.0), g.features(of: $0.1)) }
        for _ in 0..<runs {
            var start = cpuNanoseconds()
            for _ in 0..<rounds { for (a, b) in pairs { sink &+= g.verdict(query: a, cached: b).pass ? 1 : 0 } }
            full = min(full, Double(cpuNanoseconds() - start) / Double(rounds * pairs.count) / 1000)
            start = cpuNanoseconds()
            for _ in 0..<rounds { for (k, (a, _)) in pairs.enumerated() { sink &+= g.features(of: a) == pre[k].0 ? 1 : 0 } }
            one = min(one, Double(cpuNanoseconds() - start) / Double(rounds * pairs.count) / 1000)
            start = cpuNanoseconds()
            for _ in 0..<(rounds * 10) { for (a, b) in pre { sink &+= g.verdict(query: a, cached: b).pass ? 1 : 0 } }
            cmp = min(cmp, Double(cpuNanoseconds() - start) / Double(rounds * 10 * pre.count) / 1000)
        }
        print(String(format: "verdict(query:cached:) on strings: %.1f µs per pair", full))
        print(String(format: "features(of:) for one prompt:      %.1f µs", one))
        print(String(format: "verdict on precomputed features:   %.2f µs per pair", cmp))
        print("(\(pairs.count) pairs × \(rounds) rounds, best of \(runs) runs; checksum \(sink))")
    }
}

/// CPU time of the calling thread, in nanoseconds (not disturbed by other processes' load).
func cpuNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
