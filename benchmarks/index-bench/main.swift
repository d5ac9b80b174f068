// index-bench: cosine top-1 over N × 384 unit vectors with Tollgate's BLAS index (`VectorMatrix`,
// one `cblas_sgemv` per query plus an argmax), timed per query. Compared against numpy and FAISS by
// benchmarks/index/run.sh (benchmarks/index/bench_numpy_faiss.py prints the same RESULT line).
//
//   OPENBLAS_NUM_THREADS=1 taskset -c 1 .build/release/index-bench --n 100000 [--queries 200] [--seed 42]
//
// Options: --n N (rows, required), --queries Q (timed queries, default 200), --warmup W (untimed
// queries first, default 20), --seed S (default 42), --dim D (default 384), --noise X (per-coordinate
// noise added to a stored row to make each query, default 0.03).
//
// The rows are Gaussian vectors from a seeded SplitMix64 generator, normalised with
// `VectorMath.normalised`. Each query is a stored row plus noise, normalised, so its top-1 is known:
// the RESULT line counts how many queries found their row (`correct=`). Timing covers `m.top(q, k: 1)`
// as the gateway calls it: the scores array, the sgemv and the argmax.
//
// Output: a few `#` comment lines, then one machine-readable line
//   RESULT impl=tollgate n=100000 dim=384 queries=200 median_ms=… p90_ms=… mean_ms=… min_ms=… max_ms=… correct=200/200 …
import Foundation
import TollgateCore

// ---------------------------------------------------------------- arguments

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("index-bench: \(message)\n".utf8))
    exit(2)
}

// The approximate index at scale (issue 16): benchmarks/index-bench/Scale.swift.
switch CommandLine.arguments.dropFirst().first {
case "embed": exit(runEmbed(Array(CommandLine.arguments.dropFirst(2))))
case "scale": exit(runScale(Array(CommandLine.arguments.dropFirst(2))))
case "restart":
    let args = Array(CommandLine.arguments.dropFirst(2))
    let done = DispatchSemaphore(value: 0)
    Task.detached { let rc = await runRestart(args); fflush(nil); exit(rc) }
    done.wait()
default: break
}

var n = -1
var queryCount = 200
var warmupCount = 20
var seed: UInt64 = 42
var dimension = 384
var noise: Float = 0.03

do {
    var args = Array(CommandLine.arguments.dropFirst())[...]
    while let flag = args.popFirst() {
        if flag == "-h" || flag == "--help" {
            print("usage: index-bench --n N [--queries 200] [--warmup 20] [--seed 42] [--dim 384] [--noise 0.03]")
            exit(0)
        }
        guard let value = args.popFirst() else { fail("\(flag) needs a value") }
        switch flag {
        case "--n": n = Int(value) ?? -1
        case "--queries": queryCount = Int(value) ?? -1
        case "--warmup": warmupCount = Int(value) ?? -1
        case "--seed":
            guard let s = UInt64(value) else { fail("--seed must be a non-negative integer") }
            seed = s
        case "--dim": dimension = Int(value) ?? -1
        case "--noise": noise = Float(value) ?? -1
        default: fail("unknown option \(flag)")
        }
    }
    guard n > 0 else { fail("--n N is required (N ≥ 1)") }
    guard queryCount > 0 else { fail("--queries must be ≥ 1") }
    guard warmupCount >= 0 else { fail("--warmup must be ≥ 0") }
    guard dimension > 0 else { fail("--dim must be ≥ 1") }
    guard noise >= 0 else { fail("--noise must be ≥ 0") }
}

// ---------------------------------------------------------------- deterministic data

/// SplitMix64: small, fast, and the same sequence on every platform for a given seed.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in (0, 1].
    mutating func unit() -> Double { Double((next() >> 11) + 1) * 0x1p-53 }
    /// Fills `count` standard normal values (Box–Muller).
    mutating func gaussians(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            var i = 0
            while i < count {
                let r = (-2 * Foundation.log(unit())).squareRoot()
                let t = 2 * Double.pi * unit()
                buffer[i] = Float(r * Foundation.cos(t))
                if i + 1 < count { buffer[i + 1] = Float(r * Foundation.sin(t)) }
                i += 2
            }
            initialised = count
        }
    }
}

/// Row `i`'s key: the row number in the first 8 bytes, the rest zero.
func key(_ i: Int) -> CacheKey {
    var bytes = [UInt8](repeating: 0, count: 32)
    withUnsafeBytes(of: UInt64(i).littleEndian) { for (j, b) in $0.enumerated() { bytes[j] = b } }
    return CacheKey(bytes: bytes)
}

func seconds(_ d: Duration) -> Double {
    let (s, atto) = d.components
    return Double(s) + Double(atto) * 1e-18
}

// ---------------------------------------------------------------- BLAS in use

/// OpenBLAS's own name for the kernel set it picked, when libblas is OpenBLAS.
func openBLASInfo() -> (core: String, threads: String) {
    guard let handle = dlopen(nil, RTLD_NOW) else { return ("unknown", "unknown") }
    typealias NameFn = @convention(c) () -> UnsafePointer<CChar>?
    typealias IntFn = @convention(c) () -> Int32
    var core = "not-openblas"
    var threads = "unknown"
    if let sym = dlsym(handle, "openblas_get_corename"), let p = unsafeBitCast(sym, to: NameFn.self)() {
        core = String(cString: p)
    }
    if let sym = dlsym(handle, "openblas_get_num_threads") {
        threads = String(unsafeBitCast(sym, to: IntFn.self)())
    }
    return (core, threads)
}

// ---------------------------------------------------------------- build

let env = ProcessInfo.processInfo.environment
var rng = SplitMix64(state: seed)
let buildStart = ContinuousClock.now
var matrix = VectorMatrix(dimension: dimension)
var lastReport = buildStart
for i in 0..<n {
    matrix.upsert(key(i), VectorMath.normalised(rng.gaussians(dimension)))
    // Progress on stderr every 10 s: a slow build (say, upserts that copy the matrix) shows itself.
    if i & 1023 == 1023, ContinuousClock.now - lastReport > .seconds(10) {
        lastReport = ContinuousClock.now
        FileHandle.standardError.write(Data(String(format: "index-bench: building %d/%d rows, %.0f s\n", i + 1, n,
                                                   seconds(lastReport - buildStart)).utf8))
    }
}
let buildSeconds = seconds(ContinuousClock.now - buildStart)

// Queries: a stored row (chosen at random) plus noise, normalised; its own row is the expected top-1.
struct Query { let vector: [Float]; let expected: CacheKey }
var queryRNG = SplitMix64(state: seed ^ 0x5155_4552_5953_4545)  // a second, independent stream
let queries: [Query] = (0..<(warmupCount + queryCount)).map { _ in
    let row = Int(queryRNG.next() % UInt64(n))
    let stored = matrix.vector(key(row))!
    let jitter = queryRNG.gaussians(dimension)
    let q = VectorMath.normalised((0..<dimension).map { stored[$0] + noise * jitter[$0] })
    return Query(vector: q, expected: key(row))
}

let blas = openBLASInfo()
print("# index-bench: n=\(n) dim=\(dimension) queries=\(queryCount) warmup=\(warmupCount) seed=\(seed) build \(String(format: "%.2f", buildSeconds)) s")
print("# BLAS: OpenBLAS core \(blas.core), threads \(blas.threads); OPENBLAS_NUM_THREADS=\(env["OPENBLAS_NUM_THREADS"] ?? "(unset)") OPENBLAS_CORETYPE=\(env["OPENBLAS_CORETYPE"] ?? "(unset)") OPENBLAS_L2_SIZE=\(env["OPENBLAS_L2_SIZE"] ?? "(unset)")")

// ---------------------------------------------------------------- measure

var sink: Float = 0
for q in queries.prefix(warmupCount) {
    sink += matrix.top(q.vector, k: 1).first?.score ?? 0
}
var timesMs: [Double] = []
timesMs.reserveCapacity(queryCount)
var correct = 0
for q in queries.dropFirst(warmupCount) {
    let start = ContinuousClock.now
    let best = matrix.top(q.vector, k: 1)
    let elapsed = ContinuousClock.now - start
    timesMs.append(seconds(elapsed) * 1000)
    if let first = best.first {
        sink += first.score
        if first.id == q.expected { correct += 1 }
    }
}

/// Median: the middle value, or the mean of the two middle values.
func median(_ sorted: [Double]) -> Double {
    let c = sorted.count
    return c % 2 == 1 ? sorted[c / 2] : (sorted[c / 2 - 1] + sorted[c / 2]) / 2
}
/// Nearest-rank percentile (p in 0...100) of a sorted list.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    let k = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[max(0, min(sorted.count - 1, k))]
}

let sorted = timesMs.sorted()
let mean = timesMs.reduce(0, +) / Double(timesMs.count)
func f(_ x: Double) -> String { String(format: "%.4f", x) }
print("RESULT impl=tollgate n=\(n) dim=\(dimension) queries=\(queryCount) median_ms=\(f(median(sorted))) p90_ms=\(f(percentile(sorted, 90))) "
    + "mean_ms=\(f(mean)) min_ms=\(f(sorted.first!)) max_ms=\(f(sorted.last!)) correct=\(correct)/\(queryCount) "
    + "build_s=\(String(format: "%.2f", buildSeconds)) blas_core=\(blas.core) seed=\(seed) checksum=\(String(format: "%.3f", sink))")
