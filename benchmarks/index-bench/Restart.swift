// index-bench restart fill | load: how long a gateway takes to load N persisted vectors (and the
// trained index) at start (issue 16, target ≤ 3 s at 1M).
//
//   index-bench restart fill --dir /tmp/tg-restart --data benchmarks/out/index-data --n 1000000
//   index-bench restart load --dir /tmp/tg-restart
//
// fill: writes N rows to the `vectors` table of a fresh LMDB store in SemanticCache's row format
// (namespace, u16 dimension, f32s, prompt text), in one namespace, and grows a VectorIndex bound to
// the same store row by row (so it trains, and persists centroids and lists, as a gateway would).
// load: a new process opens the store and times `SemanticCache.load()` (the gateway's start path),
// then checks that nothing trains again and that stored rows find themselves.
import Foundation
import NIOCore
import TollgateCore

func vectorRow(namespace: CacheKey, vector: [Float], text: String) -> [UInt8] {
    var b = namespace.bytes
    b.reserveCapacity(34 + vector.count * 4 + text.utf8.count)
    withUnsafeBytes(of: UInt16(vector.count).littleEndian) { b.append(contentsOf: $0) }
    for x in vector { withUnsafeBytes(of: x.bitPattern.littleEndian) { b.append(contentsOf: $0) } }
    b.append(contentsOf: Array(text.utf8))
    return b
}

func runRestart(_ args: [String]) async -> Int32 {
    guard let mode = args.first, let dir = argValue(args, "--dir") else { fail("restart fill|load --dir DIR") }
    let d = 384
    let ns = key(0xFFFF_FFFF)
    let mapSize = 8 << 30
    switch mode {
    case "fill":
        guard let dataDir = argValue(args, "--data"), let n = Int(argValue(args, "--n") ?? "") else { fail("fill needs --data and --n") }
        try? FileManager.default.removeItem(atPath: dir)
        let store = try! LMDBStore(directory: dir, mapSize: mapSize)
        let base = makeBase(real: readFloats("\(dataDir)/real.f32"), n: n, seed: 42)
        let index = VectorIndex(dimension: d, store: store)
        let t0 = ContinuousClock.now
        var batch: [CacheWrite] = []
        for i in 0..<n {
            let v = Array(base[i * d..<(i + 1) * d])
            batch.append(.put(.vectors, key(i), vectorRow(namespace: ns, vector: v, text: "synthetic prompt number \(i) for the restart benchmark")))
            index.upsert(namespace: ns, id: key(i), vector: v)
            if batch.count == 10_000 { try! await store.write(batch); batch.removeAll(keepingCapacity: true) }
        }
        try! await store.write(batch)
        index.waitForTraining()
        try? await Task.sleep(for: .seconds(2))  // the last fire-and-forget assignment batches
        let st = index.stats(namespace: ns)!
        print("# fill: \(n) rows in \(String(format: "%.1f", seconds(ContinuousClock.now - t0))) s; \(st.lists) lists; vectors \(try! store.count(.vectors)), assignments \(try! store.count(.assignments)), centroids \(try! store.count(.centroids)); store \(store.usedBytes() >> 20) MiB")
    case "load":
        let t0 = ContinuousClock.now
        let store = try! LMDBStore(directory: dir, mapSize: mapSize)
        let cache = SemanticCache(embedder: HashingEmbedder(dimension: d), store: store)
        let loaded = try! cache.load()
        let loadSeconds = seconds(ContinuousClock.now - t0)
        cache.index.waitForTraining()
        let trainedSeconds = seconds(ContinuousClock.now - t0)
        let st = cache.index.stats(namespace: ns)!
        // Stored rows find themselves (rows are re-read from the store).
        var found = 0
        for i in stride(from: 0, to: loaded, by: max(1, loaded / 100)) {
            guard let value = try! store.get(.vectors, key(i)) else { continue }
            let v: [Float] = value.withUnsafeReadableBytes { raw in
                (0..<d).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 34 + 4 * $0, as: UInt32.self))) }
            }
            if cache.index.search(namespace: ns, query: v, k: 1).first?.id == key(i) { found += 1 }
        }
        print("RESULT impl=restart n=\(loaded) load_s=\(String(format: "%.2f", loadSeconds)) until_no_training_s=\(String(format: "%.2f", trainedSeconds)) lists=\(st.lists) self_found=\(found)/100")
    default: fail("restart fill|load")
    }
    return 0
}
