// index-bench embed | scale: the approximate index (issue 16) at N = 10k … 1M on clustered,
// MiniLM-like data, against the flat scan (recall@1 and latency), written so that
// benchmarks/index/bench_ivf_faiss.py measures FAISS on the very same vectors.
//
//   index-bench embed --pairs /work/shared/datasets/qqp_pairs.json --model .models/all-MiniLM-L6-v2 \
//       --out benchmarks/out/index-data [--texts 24000] [--queries 1000]
//   index-bench scale --data benchmarks/out/index-data --n 1000000 [--queries 1000] [--warmup 50]
//       [--nprobes 4,8,16,32] [--flat-queries 200] [--seed 42] [--flat-limit 20000] [--lists-per-sqrt 2] [--retrain-at-end]
//
// embed: real all-MiniLM-L6-v2 embeddings of QQP questions. The first --queries duplicate pairs
// (label 1) give the queries (their second question) and put their first question in the base;
// the base then takes further distinct questions until --texts texts in all. Writes real.f32
// (R × 384), queries.f32 (Q × 384), real.count.
//
// scale: base = the first N real rows if N ≤ R; past R, each further row is a perturbed copy of a
// real row p: normalise(e_p + s · (e_a − e_b)) with a, b two other real rows and s uniform in
// [0.3, 0.6] (cosine to e_p ≈ 0.83–0.95), so that the rows keep the real embeddings' anisotropic
// shape and form tight clusters around real questions (about N / R rows each). Ground truth: the
// exact top-1 of each query over the base (sgemm). Writes base-N.f32 and gt-N.i32 for FAISS.
import CBLAS
import Foundation
import TollgateCore

func argValue(_ args: [String], _ flag: String) -> String? {
    guard let i = args.firstIndex(of: flag), i + 1 < args.count else { return nil }
    return args[i + 1]
}

func writeFloats(_ v: [Float], to path: String) {
    v.withUnsafeBytes { FileManager.default.createFile(atPath: path, contents: Data($0)) }
}

func readFloats(_ path: String) -> [Float] {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path) (run `index-bench embed` first)") }
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

func runEmbed(_ args: [String]) -> Int32 {
    guard let pairsPath = argValue(args, "--pairs"), let out = argValue(args, "--out") else {
        fail("embed needs --pairs FILE and --out DIR")
    }
    let modelDir = argValue(args, "--model") ?? ProcessInfo.processInfo.environment["TOLLGATE_MODEL_DIR"] ?? ".models/all-MiniLM-L6-v2"
    let textCount = Int(argValue(args, "--texts") ?? "24000")!
    let queryCount = Int(argValue(args, "--queries") ?? "1000")!
    guard let data = FileManager.default.contents(atPath: pairsPath),
          let pairs = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else { fail("cannot read \(pairsPath)") }
    var queries: [String] = []
    var base: [String] = []
    var seen = Set<String>()
    for p in pairs where queries.count < queryCount {
        guard (p["label"] as? Int) == 1, let a = p["text_a"] as? String, let b = p["text_b"] as? String,
              a != b, !seen.contains(a), !seen.contains(b) else { continue }
        queries.append(b)
        base.append(a)
        seen.insert(a)
        seen.insert(b)
    }
    outer: for p in pairs {
        for t in [p["text_a"] as? String, p["text_b"] as? String].compactMap({ $0 }) where !seen.contains(t) {
            if base.count >= textCount - queries.count { break outer }
            seen.insert(t)
            base.append(t)
        }
    }
    let embedder: MiniLMEmbedder
    do { embedder = try MiniLMEmbedder(modelDirectory: URL(fileURLWithPath: modelDir)) } catch { fail("cannot load model from \(modelDir): \(error)") }
    try? FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let started = ContinuousClock.now
    func embedAll(_ texts: [String], _ label: String) -> [Float] {
        var flat: [Float] = []
        flat.reserveCapacity(texts.count * embedder.dimension)
        for (i, t) in texts.enumerated() {
            flat.append(contentsOf: embedder.embed(t))
            if i % 2000 == 1999 {
                FileHandle.standardError.write(Data("index-bench embed: \(label) \(i + 1)/\(texts.count), \(Int(seconds(ContinuousClock.now - started))) s\n".utf8))
            }
        }
        return flat
    }
    writeFloats(embedAll(queries, "queries"), to: "\(out)/queries.f32")
    writeFloats(embedAll(base, "base"), to: "\(out)/real.f32")
    try? "\(base.count) \(queries.count)\n".write(toFile: "\(out)/real.count", atomically: true, encoding: .utf8)
    print("# embedded \(base.count) base and \(queries.count) query texts in \(String(format: "%.0f", seconds(ContinuousClock.now - started))) s into \(out)")
    return 0
}

/// The base of `n` rows: the real rows first, then perturbed copies (see the header).
func makeBase(real: [Float], n: Int, seed: UInt64, d: Int = 384) -> [Float] {
    let r = real.count / d
    var baseRows = [Float](repeating: 0, count: n * d)
    var rng = SplitMix64(state: seed)
    baseRows.withUnsafeMutableBufferPointer { b in
        real.withUnsafeBufferPointer { e in
            for i in 0..<n {
                let dst = b.baseAddress! + i * d
                if i < r {
                    dst.update(from: e.baseAddress! + i * d, count: d)
                    continue
                }
                let p = Int(rng.next() % UInt64(r)), a = Int(rng.next() % UInt64(r)), c = Int(rng.next() % UInt64(r))
                let s = Float(0.3 + 0.3 * rng.unit())
                var norm: Float = 0
                for j in 0..<d {
                    let x = e[p * d + j] + s * (e[a * d + j] - e[c * d + j])
                    dst[j] = x
                    norm += x * x
                }
                let inv = 1 / norm.squareRoot()
                for j in 0..<d { dst[j] *= inv }
            }
        }
    }
    return baseRows
}

func runScale(_ args: [String]) -> Int32 {
    guard let dataDir = argValue(args, "--data"), let n = Int(argValue(args, "--n") ?? "") else { fail("scale needs --data DIR and --n N") }
    let d = 384
    let seed = UInt64(argValue(args, "--seed") ?? "42")!
    let warmup = Int(argValue(args, "--warmup") ?? "50")!
    let nprobes = (argValue(args, "--nprobes") ?? "").split(separator: ",").compactMap { Int($0) }
    var parameters = IndexParameters.default
    if let v = argValue(args, "--flat-limit") { parameters.flatLimit = Int(v)! }
    if let v = argValue(args, "--lists-per-sqrt") { parameters.listsPerSqrtN = Double(v)! }
    if let v = argValue(args, "--min-probes") { parameters.minProbes = Int(v)! }
    if let v = argValue(args, "--probe-fraction") { parameters.probeFraction = Double(v)! }
    let writeFiles = !args.contains("--no-write")

    let real = readFloats("\(dataDir)/real.f32")
    let allQueries = readFloats("\(dataDir)/queries.f32")
    let r = real.count / d
    let qCount = min(Int(argValue(args, "--queries") ?? "1000")!, allQueries.count / d)
    let queries = Array(allQueries.prefix(qCount * d))

    // ------------------------------------------------------------ the base
    let genStart = ContinuousClock.now
    var baseRows = makeBase(real: real, n: n, seed: seed)
    // Ground truth: exact top-1 of every query (sgemm over blocks of the base).
    var gt = [Int32](repeating: -1, count: qCount)
    var gtScore = [Float](repeating: -.infinity, count: qCount)
    do {
        let block = 8192
        var c = [Float](repeating: 0, count: qCount * block)
        var start = 0
        while start < n {
            let rows = min(block, n - start)
            baseRows.withUnsafeBufferPointer { b in
                queries.withUnsafeBufferPointer { q in
                    c.withUnsafeMutableBufferPointer { cp in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(qCount), Int32(rows), Int32(d), 1, q.baseAddress, Int32(d),
                                    b.baseAddress! + start * d, Int32(d), 0, cp.baseAddress, Int32(rows))
                    }
                }
            }
            for qi in 0..<qCount {
                for j in 0..<rows where c[qi * rows + j] > gtScore[qi] { gtScore[qi] = c[qi * rows + j]; gt[qi] = Int32(start + j) }
            }
            start += rows
        }
    }
    if writeFiles {
        writeFloats(baseRows, to: "\(dataDir)/base-\(n).f32")
        gt.withUnsafeBytes { FileManager.default.createFile(atPath: "\(dataDir)/gt-\(n).i32", contents: Data($0)) }
    }
    let genSeconds = seconds(ContinuousClock.now - genStart)
    let meanGT = gtScore.reduce(0, +) / Float(qCount)
    print("# scale: n=\(n) real=\(min(n, r)) perturbed=\(max(0, n - r)) queries=\(qCount) mean top-1 cosine \(String(format: "%.3f", meanGT)); data+gt \(String(format: "%.1f", genSeconds)) s")

    // ------------------------------------------------------------ the flat baseline (issue 3's VectorMatrix)
    let ns = key(0xFFFF_FFFF)
    let flatQueries = min(qCount, Int(argValue(args, "--flat-queries") ?? "200")!)
    func timed(_ label: String, count: Int = qCount, _ search: ([Float]) -> CacheKey?) -> (p50: Double, p99: Double, mean: Double, recall: Double) {
        for i in 0..<min(warmup, count) { _ = search(Array(queries[i * d..<(i + 1) * d])) }
        var times: [Double] = []
        var hits = 0
        for i in 0..<count {
            let q = Array(queries[i * d..<(i + 1) * d])
            let t0 = ContinuousClock.now
            let best = search(q)
            times.append(seconds(ContinuousClock.now - t0) * 1000)
            if best == key(Int(gt[i])) { hits += 1 }
        }
        let s = times.sorted()
        return (median(s), percentile(s, 99), times.reduce(0, +) / Double(times.count), Double(hits) / Double(count))
    }
    func f(_ x: Double) -> String { String(format: "%.4f", x) }
    let raw = Double(n * d * 4)
    do {
        var matrix = VectorMatrix(dimension: d)
        baseRows.withUnsafeBufferPointer { b in
            for i in 0..<n { matrix.upsert(key(i), Array(b[(i * d)..<((i + 1) * d)])) }
        }
        let flat = timed("flat", count: flatQueries) { matrix.top($0, k: 1).first?.id }
        print("RESULT impl=tollgate-flat n=\(n) p50_ms=\(f(flat.p50)) p99_ms=\(f(flat.p99)) mean_ms=\(f(flat.mean)) recall1=\(f(flat.recall)) mem_ratio=1.000")
    }

    // ------------------------------------------------------------ the index, grown row by row
    let index = VectorIndex(dimension: d, parameters: parameters)
    let buildStart = ContinuousClock.now
    baseRows.withUnsafeBufferPointer { b in
        for i in 0..<n { index.upsert(namespace: ns, id: key(i), vector: Array(b[(i * d)..<((i + 1) * d)])) }
    }
    let insertSeconds = seconds(ContinuousClock.now - buildStart)
    index.waitForTraining()
    var buildSeconds = seconds(ContinuousClock.now - buildStart)
    if args.contains("--retrain-at-end") {
        let t0 = ContinuousClock.now
        index.retrainNow(namespace: ns)
        buildSeconds += seconds(ContinuousClock.now - t0)
    }
    baseRows = []
    let st = index.stats(namespace: ns)!
    print("# index: \(st.rows) rows, \(st.lists) lists (0 = flat), \(st.probes) probes by default, \(String(format: "%.1f", Double(st.bytes) / 1e6)) MB = \(String(format: "%.3f", Double(st.bytes) / raw))× raw fp32; inserts \(String(format: "%.1f", insertSeconds)) s, until trained \(String(format: "%.1f", buildSeconds)) s")
    let def = timed("default") { index.search(namespace: ns, query: $0, k: 1).first?.id }
    print("RESULT impl=tollgate-ivf n=\(n) nlist=\(st.lists) nprobe=\(st.probes) default=1 p50_ms=\(f(def.p50)) p99_ms=\(f(def.p99)) mean_ms=\(f(def.mean)) recall1=\(f(def.recall)) mem_ratio=\(String(format: "%.3f", Double(st.bytes) / raw)) build_s=\(String(format: "%.1f", buildSeconds))")
    if st.lists > 0 {
        for p in nprobes where p != st.probes && p <= st.lists {
            let res = timed("nprobe \(p)") { index.search(namespace: ns, query: $0, k: 1, nprobe: p).first?.id }
            print("RESULT impl=tollgate-ivf n=\(n) nlist=\(st.lists) nprobe=\(p) default=0 p50_ms=\(f(res.p50)) p99_ms=\(f(res.p99)) mean_ms=\(f(res.mean)) recall1=\(f(res.recall)) mem_ratio=\(String(format: "%.3f", Double(st.bytes) / raw)) build_s=\(String(format: "%.1f", buildSeconds))")
        }
    }
    return 0
}
