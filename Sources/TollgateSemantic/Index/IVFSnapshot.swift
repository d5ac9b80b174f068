import TollgateBase
import TollgateExactCache
import CBLAS
import Foundation

/// Tuning of the approximate (IVF) index. The defaults are the ones measured in
/// benchmarks/RESULTS.md, "Approximate index (issue 16)".
public struct IndexParameters: Sendable, Equatable {
    /// A namespace with at most this many rows is scanned flat (exact; 2,000: the IVF is faster from
    /// 1,000 rows up, RESULTS "where the flat scan stops winning"). When it passes this size
    /// it trains k-means centroids on a background thread and becomes an inverted-file index.
    public var flatLimit: Int
    /// Inverted lists per √N rows at training time (nlist = listsPerSqrtN · √N).
    public var listsPerSqrtN: Double
    /// Lists probed per query: max(minProbes, probeFraction · nlist).
    public var minProbes: Int
    public var probeFraction: Double
    /// Re-train when the namespace has grown by this factor since its last training.
    public var retrainGrowth: Double
    /// k-means training sample: this many rows per list (all rows if fewer).
    public var samplePerList: Int
    public var iterations: Int
    /// Flat namespaces keep their rows in chunks of this many rows (a copy-on-write copy, when a
    /// reader holds the old snapshot, copies one chunk, not the namespace).
    public var chunkRows: Int

    public init(flatLimit: Int = 2_000, listsPerSqrtN: Double = 2, minProbes: Int = 16, probeFraction: Double = 1.0 / 128,
                retrainGrowth: Double = 2, samplePerList: Int = 24, iterations: Int = 8, chunkRows: Int = 4096) {
        self.flatLimit = flatLimit
        self.listsPerSqrtN = listsPerSqrtN
        self.minProbes = minProbes
        self.probeFraction = probeFraction
        self.retrainGrowth = retrainGrowth
        self.samplePerList = samplePerList
        self.iterations = iterations
        self.chunkRows = chunkRows
    }

    public static let `default` = IndexParameters()

    /// Lists for a namespace trained at `rows` rows.
    public func lists(forRows rows: Int) -> Int {
        max(8, min(rows / 8, Int((listsPerSqrtN * Double(rows).squareRoot()).rounded())))
    }

    /// Lists probed per query with `nlist` lists.
    public func probes(forLists nlist: Int) -> Int {
        min(nlist, max(minProbes, Int((probeFraction * Double(nlist)).rounded(.up))))
    }
}

/// One inverted list (or, in a flat namespace, one chunk): row-major unit vectors and their ids.
struct IVFList: Sendable {
    var vectors: [Float] = []
    var ids: [CacheKey] = []
    var count: Int { ids.count }

    /// Appends a row, growing by 1.25× (not the array's 2×) so that the index stays close to the
    /// raw fp32 size.
    mutating func append(_ id: CacheKey, _ v: UnsafeBufferPointer<Float>) {
        if vectors.count + v.count > vectors.capacity {
            vectors.reserveCapacity(max(vectors.count + v.count, vectors.count + vectors.count / 4, 16 * v.count))
        }
        vectors.append(contentsOf: v)
        if ids.count == ids.capacity { ids.reserveCapacity(max(ids.count + 1, ids.count + ids.count / 4, 16)) }
        ids.append(id)
    }

    /// Appends a row whose floats are `raw`'s bytes (the store's, in no particular alignment).
    mutating func append(_ id: CacheKey, raw: UnsafeRawBufferPointer) {
        let d = raw.count / 4
        let n = vectors.count
        if n + d > vectors.capacity {
            vectors.reserveCapacity(max(n + d, n + n / 4, 16 * d))
        }
        vectors.append(contentsOf: repeatElement(0, count: d))
        vectors.withUnsafeMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[(n * 4)..<((n + d) * 4)]).copyMemory(from: raw) }
        if ids.count == ids.capacity { ids.reserveCapacity(max(ids.count + 1, ids.count + ids.count / 4, 16)) }
        ids.append(id)
    }

    /// Removes `row` by moving the last row into it; returns the id that moved (nil if none did).
    mutating func remove(row: Int, dimension d: Int) -> CacheKey? {
        let last = ids.count - 1
        var moved: CacheKey?
        if row != last {
            vectors.withUnsafeMutableBufferPointer { p in
                let base = p.baseAddress!
                (base + row * d).update(from: base + last * d, count: d)
            }
            ids[row] = ids[last]
            moved = ids[row]
        }
        vectors.removeLast(d)
        ids.removeLast()
        return moved
    }
}

/// Where a row is: its list and its row in that list.
struct RowLocation: Sendable {
    var list: Int32
    var row: Int32
}

/// An immutable-by-convention view of one namespace: centroids (empty while flat) and lists.
/// Readers copy the struct out of the namespace's mutex and search it without a lock; Swift's
/// copy-on-write means a writer that meets a live reader copies only the outer list array and
/// the one list it changes.
struct IndexSnapshot: Sendable {
    let dimension: Int
    /// nlist × dimension unit centroids; empty while the namespace is flat.
    var centroids: [Float] = []
    var lists: [IVFList] = []
    var count = 0
    var nprobe = 0
    /// Bumped at every training: a persisted assignment from another generation is stale.
    var generation: UInt32 = 0

    init(dimension: Int) { self.dimension = dimension }

    var isTrained: Bool { !centroids.isEmpty }
    var nlist: Int { centroids.count / dimension }

    /// Bytes held by vectors, ids and centroids (capacity, not count).
    var memoryBytes: Int {
        var b = centroids.capacity * 4 + lists.capacity * MemoryLayout<IVFList>.stride
        for l in lists { b += l.vectors.capacity * 4 + l.ids.capacity * (MemoryLayout<CacheKey>.stride + 64) }
        return b
    }

    /// The nearest centroid of `v` (max inner product); only for a trained snapshot.
    func nearestList(_ v: UnsafePointer<Float>) -> Int {
        let n = nlist
        var scores = [Float](repeating: 0, count: n)
        centroids.withUnsafeBufferPointer { c in
            scores.withUnsafeMutableBufferPointer { s in
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(dimension), 1, c.baseAddress, Int32(dimension), v, 1, 0, s.baseAddress, 1)
            }
        }
        var best = 0
        var bestScore = -Float.infinity
        for i in 0..<n where scores[i] > bestScore { bestScore = scores[i]; best = i }
        return best
    }

    /// The `k` best rows for `query`, best first: flat = every chunk, trained = the `nprobe`
    /// lists whose centroids are nearest.
    func search(_ query: [Float], k: Int, nprobe probeOverride: Int? = nil) -> [(id: CacheKey, score: Float)] {
        precondition(query.count == dimension)
        guard k > 0, count > 0 else { return [] }
        let d = dimension
        return query.withUnsafeBufferPointer { qp -> [(id: CacheKey, score: Float)] in
            let q = qp.baseAddress!
            let probes: [Int]
            if isTrained {
                let n = nlist
                var cs = [Float](repeating: 0, count: n)
                centroids.withUnsafeBufferPointer { c in
                    cs.withUnsafeMutableBufferPointer { s in
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, c.baseAddress, Int32(d), q, 1, 0, s.baseAddress, 1)
                    }
                }
                probes = IndexSnapshot.topIndices(cs, min(n, probeOverride ?? nprobe))
            } else {
                probes = Array(lists.indices)
            }
            var longest = 0
            for l in probes where lists[l].count > longest { longest = lists[l].count }
            var top = TopK(k)
            var scratch = [Float](repeating: 0, count: max(1, longest))
            scratch.withUnsafeMutableBufferPointer { s in
                for l in probes {
                    let rows = lists[l].count
                    guard rows > 0 else { continue }
                    lists[l].vectors.withUnsafeBufferPointer { a in
                        if IndexSnapshot.simdScan {
                            IndexSnapshot.dotRows(a.baseAddress!, rows: rows, d: d, q, s.baseAddress!)
                        } else {
                            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(d), 1, a.baseAddress, Int32(d), q, 1, 0, s.baseAddress, 1)
                        }
                    }
                    var i = 0
                    while i < rows {
                        if s[i] > top.worst { top.offer(s[i], list: l, row: i) }
                        i += 1
                    }
                }
            }
            return top.items.map { (lists[Int($0.list)].ids[Int($0.row)], $0.score) }
        }
    }

    /// List scans with `dotRows` instead of `cblas_sgemv` (TOLLGATE_IVF_SCAN=blas picks sgemv).
    static let simdScan = ProcessInfo.processInfo.environment["TOLLGATE_IVF_SCAN"] != "blas"

    /// out[r] = a[r] · q for `rows` rows of `d` floats: SIMD8 multiply-adds, two rows at a time
    /// (a short list is too small for sgemv's set-up to pay).
    @inline(__always)
    static func dotRows(_ a: UnsafePointer<Float>, rows: Int, d: Int, _ q: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        let qr = UnsafeRawPointer(q)
        var r = 0
        while r + 2 <= rows {
            let x0 = UnsafeRawPointer(a + r * d), x1 = UnsafeRawPointer(a + (r + 1) * d)
            var a0 = SIMD8<Float>(repeating: 0), a1 = SIMD8<Float>(repeating: 0)
            var b0 = SIMD8<Float>(repeating: 0), b1 = SIMD8<Float>(repeating: 0)
            var j = 0
            while j + 16 <= d {
                let q0 = qr.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                let q1 = qr.loadUnaligned(fromByteOffset: j * 4 + 32, as: SIMD8<Float>.self)
                a0 += x0.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self) * q0
                b0 += x0.loadUnaligned(fromByteOffset: j * 4 + 32, as: SIMD8<Float>.self) * q1
                a1 += x1.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self) * q0
                b1 += x1.loadUnaligned(fromByteOffset: j * 4 + 32, as: SIMD8<Float>.self) * q1
                j += 16
            }
            var s0 = (a0 + b0).sum(), s1 = (a1 + b1).sum()
            while j < d { s0 += a[r * d + j] * q[j]; s1 += a[(r + 1) * d + j] * q[j]; j += 1 }
            out[r] = s0
            out[r + 1] = s1
            r += 2
        }
        while r < rows {
            var s: Float = 0
            for j in 0..<d { s += a[r * d + j] * q[j] }
            out[r] = s
            r += 1
        }
    }

    /// Indices of the `k` largest values, best first.
    static func topIndices(_ s: [Float], _ k: Int) -> [Int] {
        guard k > 0 else { return [] }
        if k >= s.count { return s.indices.sorted { s[$0] > s[$1] } }
        var idx: [Int] = []
        var val: [Float] = []
        idx.reserveCapacity(k + 1)
        val.reserveCapacity(k + 1)
        var worst = -Float.infinity
        for (i, v) in s.enumerated() where idx.count < k || v > worst {
            var p = val.count
            while p > 0 && val[p - 1] < v { p -= 1 }
            val.insert(v, at: p)
            idx.insert(i, at: p)
            if val.count > k { val.removeLast(); idx.removeLast() }
            if val.count == k { worst = val[k - 1] }
        }
        return idx
    }
}

/// The best `k` (score, list, row) seen so far, best first; `worst` is the bar to enter.
struct TopK {
    struct Item { var score: Float; var list: Int32; var row: Int32 }
    let k: Int
    private(set) var items: [Item] = []
    private(set) var worst = -Float.infinity

    init(_ k: Int) {
        self.k = k
        items.reserveCapacity(k + 1)
    }

    mutating func offer(_ score: Float, list: Int, row: Int) {
        var p = items.count
        while p > 0 && items[p - 1].score < score { p -= 1 }
        items.insert(Item(score: score, list: Int32(list), row: Int32(row)), at: p)
        if items.count > k { items.removeLast() }
        if items.count == k { worst = items[k - 1].score }
    }
}
