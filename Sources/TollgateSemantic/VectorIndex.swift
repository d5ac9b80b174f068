import CBLAS
import Foundation
import Synchronization
import TollgateBase
import TollgateExactCache
import TollgateHTTPClient

/// One namespace's vectors: a contiguous row-major Float32 matrix of unit vectors, searched with
/// `cblas_sgemv` (one query) or `cblas_sgemm` (a batch). Rows are appended with amortised growth
/// and removed by swapping the last row in.
public struct VectorMatrix: Sendable {
    public let dimension: Int
    public private(set) var count = 0
    package private(set) var storage: [Float] = []
    private(set) var ids: [CacheKey] = []
    private var rowOf: [CacheKey: Int] = [:]

    public init(dimension: Int) {
        self.dimension = dimension
    }

    /// Adds (or replaces) the row for `id`.
    public mutating func upsert(_ id: CacheKey, _ vector: [Float]) {
        precondition(vector.count == dimension)
        if let row = rowOf[id] {
            storage.replaceSubrange(row * dimension..<(row + 1) * dimension, with: vector)
            return
        }
        if storage.count + dimension > storage.capacity {
            grow(to: max(16 * dimension, storage.capacity * 2, storage.count + dimension))
        }
        storage.append(contentsOf: vector)
        ids.append(id)
        rowOf[id] = count
        count += 1
    }

    /// Doubles the matrix into a new buffer that asks for transparent huge pages before it is
    /// written: a 100k × 384 matrix is 150 MB, and sgemv over it is bound by memory and TLB misses
    /// (measured: 14.8 ms with 4 KiB pages vs 12.5 ms with huge pages at 100k, as numpy gets).
    private mutating func grow(to capacity: Int) {
        let old = storage
        storage = [Float](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            VectorMatrix.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            _ = buffer.initialize(from: old)
            initialized = old.count
        }
    }

    static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        let huge = 2 << 20
        guard let base = buffer.baseAddress, buffer.count >= 2 * huge else { return }
        let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
    }

    /// Removes the row for `id` (the last row moves into its place).
    public mutating func remove(_ id: CacheKey) {
        guard let row = rowOf.removeValue(forKey: id) else { return }
        let last = count - 1
        if row != last {
            let moved = ids[last]
            storage.replaceSubrange(row * dimension..<(row + 1) * dimension, with: storage[last * dimension..<(last + 1) * dimension])
            ids[row] = moved
            rowOf[moved] = row
        }
        storage.removeLast(dimension)
        ids.removeLast()
        count -= 1
    }

    /// Scores of `query` against every row (cosine, since rows and query are unit vectors).
    public func scores(_ query: [Float]) -> [Float] {
        precondition(query.count == dimension)
        var out = [Float](repeating: 0, count: count)
        guard count > 0 else { return out }
        storage.withUnsafeBufferPointer { a in
            query.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(count), Int32(dimension), 1, a.baseAddress, Int32(dimension),
                                x.baseAddress, 1, 0, y.baseAddress, 1)
                }
            }
        }
        return out
    }

    /// The `k` best rows for `query`, best first.
    public func top(_ query: [Float], k: Int = 1) -> [(id: CacheKey, score: Float)] {
        let s = scores(query)
        return VectorMatrix.best(s, k: k).map { (ids[$0], s[$0]) }
    }

    /// The best row for each query in one `cblas_sgemm` (queries × rowsᵀ).
    public func top1(batch queries: [[Float]]) -> [(id: CacheKey, score: Float)?] {
        guard count > 0, !queries.isEmpty else { return queries.map { _ in nil } }
        let q = queries.flatMap { $0 }
        var out = [Float](repeating: 0, count: queries.count * count)
        storage.withUnsafeBufferPointer { a in
            q.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(queries.count), Int32(count), Int32(dimension), 1,
                                b.baseAddress, Int32(dimension), a.baseAddress, Int32(dimension), 0, c.baseAddress, Int32(count))
                }
            }
        }
        return (0..<queries.count).map { i in
            let row = Array(out[i * count..<(i + 1) * count])
            return VectorMatrix.best(row, k: 1).first.map { (ids[$0], row[$0]) }
        }
    }

    static func best(_ s: [Float], k: Int) -> [Int] {
        guard k > 0, !s.isEmpty else { return [] }
        if k == 1 {
            var bestIndex = 0
            var bestScore = -Float.infinity
            for (i, v) in s.enumerated() where v > bestScore { bestScore = v; bestIndex = i }
            return [bestIndex]
        }
        return Array(s.indices.sorted { s[$0] > s[$1] }.prefix(k))
    }

    /// The vector stored for `id`.
    public func vector(_ id: CacheKey) -> [Float]? {
        guard let row = rowOf[id] else { return nil }
        return Array(storage[row * dimension..<(row + 1) * dimension])
    }
}

/// Every namespace's index, safe to share (Sources/TollgateCore/Semantic/Index/): a flat
/// exact scan while a namespace is small, an IVF index (k-means centroids trained off the
/// request path, `nprobe` inverted lists scanned with `cblas_sgemv`) once it passes
/// `IndexParameters.flatLimit` rows. Searches copy a copy-on-write snapshot out of a `Mutex`
/// and scan it without holding any lock; writers hold the namespace's mutex for the row itself.
public final class VectorIndex: Sendable {
    public let dimension: Int
    public let parameters: IndexParameters
    let namespaces = Mutex<[CacheKey: NamespaceIndex]>([:])
    let persistence: IndexPersistence?
    /// Trainings in flight (`waitForTraining`).
    let trainings = DispatchGroup()

    /// - Parameter store: where trained centroids and row lists persist (tables `centroids` and
    ///   `assignments`), so that a restart loads them instead of training again; nil keeps them
    ///   in memory only.
    public init(dimension: Int, parameters: IndexParameters = .default, store: (any CacheStore)? = nil) {
        self.dimension = dimension
        self.parameters = parameters
        self.persistence = store.map { IndexPersistence(store: $0) }
    }

    func namespaceIndex(_ namespace: CacheKey) -> NamespaceIndex {
        namespaces.withLock { map in
            if let ns = map[namespace] { return ns }
            let ns = NamespaceIndex(namespace: namespace, dimension: dimension, parameters: parameters, persistence: persistence, trainings: trainings)
            map[namespace] = ns
            return ns
        }
    }

    public func upsert(namespace: CacheKey, id: CacheKey, vector: [Float]) {
        precondition(vector.count == dimension)
        while !namespaceIndex(namespace).upsert(id, vector) {}  // retired meanwhile: take the new one
    }

    public func remove(namespace: CacheKey, id: CacheKey) {
        namespaces.withLock { map in
            guard let ns = map[namespace] else { return }
            let emptied = ns.state.withLock { s -> Bool in
                s.remove(id)
                s.log?.append(.remove(id))
                if s.count == 0 && !s.training { s.retired = true }
                return s.retired
            }
            if emptied { map[namespace] = nil }
        }
    }

    /// The `k` nearest cached prompts in `namespace`, best first.
    public func search(namespace: CacheKey, query: [Float], k: Int = 1) -> [(id: CacheKey, score: Float)] {
        guard let ns = namespaces.withLock({ $0[namespace] }) else { return [] }
        return ns.search(query, k: k)
    }

    /// Rows across all namespaces.
    public var count: Int { namespaces.withLock { Array($0.values) }.reduce(0) { $0 + $1.count } }

    /// Blocks until every training started so far (and any it chains) has finished.
    public func waitForTraining() { trainings.wait() }

    /// One namespace's shape: rows, lists (0 while flat), lists probed, bytes held (vectors, ids,
    /// centroids and the id map, by capacity).
    public func stats(namespace: CacheKey) -> (rows: Int, lists: Int, probes: Int, bytes: Int)? {
        guard let ns = namespaces.withLock({ $0[namespace] }) else { return nil }
        let (s, slots) = ns.state.withLock { ($0.snapshot, $0.locations.capacity) }
        // The id → row map: a key and a location per slot (its keys share the lists' buffers).
        let mapBytes = slots * (MemoryLayout<CacheKey>.stride + MemoryLayout<RowLocation>.stride + 1)
        return (s.count, s.nlist, s.nprobe, s.memoryBytes + mapBytes)
    }

    /// Searches with another number of probed lists (benchmarks: recall against speed).
    public func search(namespace: CacheKey, query: [Float], k: Int = 1, nprobe: Int) -> [(id: CacheKey, score: Float)] {
        guard let ns = namespaces.withLock({ $0[namespace] }) else { return [] }
        return ns.snapshot.search(query, k: k, nprobe: nprobe)
    }

    /// Trains `namespace` now at its current size, on the caller's thread (benchmarks).
    public func retrainNow(namespace: CacheKey) {
        guard let ns = namespaces.withLock({ $0[namespace] }) else { return }
        let go = ns.state.withLock { s -> Bool in
            guard !s.training else { return false }
            s.training = true
            s.log = []
            return true
        }
        if go { ns.train() }
        waitForTraining()
    }

    /// Trains every namespace past its size now, on the caller's thread (benchmarks, tests).
    public func trainNow() {
        for ns in namespaces.withLock({ Array($0.values) }) {
            let due = ns.state.withLock { s -> Bool in
                guard !s.training, s.count > ns.nextTraining(s) else { return false }
                s.training = true
                s.log = []
                return true
            }
            if due { ns.train() }
        }
        waitForTraining()
    }
}
