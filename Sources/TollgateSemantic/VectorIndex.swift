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

/// Every namespace's matrix, safe to share: searches copy nothing and run concurrently under a
/// read lock; writers (appends, removals) hold the write lock only for the append itself.
public final class VectorIndex: Sendable {
    public let dimension: Int
    private let lock = ReadWriteLock()
    private nonisolated(unsafe) var namespaces: [CacheKey: VectorMatrix] = [:]

    public init(dimension: Int) {
        self.dimension = dimension
    }

    public func upsert(namespace: CacheKey, id: CacheKey, vector: [Float]) {
        lock.write { namespaces[namespace, default: VectorMatrix(dimension: dimension)].upsert(id, vector) }
    }

    public func remove(namespace: CacheKey, id: CacheKey) {
        lock.write {
            namespaces[namespace]?.remove(id)
            if namespaces[namespace]?.count == 0 { namespaces[namespace] = nil }
        }
    }

    /// The `k` nearest cached prompts in `namespace`, best first.
    public func search(namespace: CacheKey, query: [Float], k: Int = 1) -> [(id: CacheKey, score: Float)] {
        lock.read { namespaces[namespace]?.top(query, k: k) ?? [] }
    }

    /// Rows across all namespaces.
    public var count: Int { lock.read { namespaces.values.reduce(0) { $0 + $1.count } } }
}

/// A pthread reader-writer lock: many readers at once, one writer.
final class ReadWriteLock: @unchecked Sendable {
    private let rw: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        rw = .allocate(capacity: 1)
        pthread_rwlock_init(rw, nil)
    }

    deinit {
        pthread_rwlock_destroy(rw)
        rw.deallocate()
    }

    func read<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(rw)
        defer { pthread_rwlock_unlock(rw) }
        return try body()
    }

    func write<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(rw)
        defer { pthread_rwlock_unlock(rw) }
        return try body()
    }
}
