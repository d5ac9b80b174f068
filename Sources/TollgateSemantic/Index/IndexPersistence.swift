import TollgateBase
import TollgateExactCache
import Dispatch
import Foundation
import NIOCore

/// Persists what training made, in the cache's own store, so that a restart does not train again:
///
/// - table `centroids`: namespace → `IVF1`, generation u32, lists u32, probes u32, trained rows u64,
///   dimension u16, then lists × dimension f32 (little-endian);
/// - table `assignments`: exact key → namespace (32 bytes), generation u32, list i32.
///
/// A training writes its centroids and every row's list (in batches of 20,000 rows, so that the
/// store's single writer interleaves them with the request path's writes); rows added later are
/// written 256 at a time. At start `VectorIndex.load(from:)` places each row in its persisted list;
/// the few rows without a current one (added after the last batch, or trained in another
/// generation) are assigned with one sgemm. Assignments of deleted rows are dropped at load.
final class IndexPersistence: IndexPersisting {
    let store: any CacheStore
    static let batchRows = 20_000

    init(store: any CacheStore) { self.store = store }

    func trained(namespace: CacheKey, snapshot: IndexSnapshot) {
        var writes: [CacheWrite] = [.put(.centroids, namespace, IndexPersistence.encodeCentroids(snapshot))]
        for (l, list) in snapshot.lists.enumerated() {
            for id in list.ids {
                writes.append(.put(.assignments, id, IndexPersistence.encodeAssignment(namespace, snapshot.generation, Int32(l))))
                if writes.count >= IndexPersistence.batchRows { blockingWrite(writes); writes.removeAll(keepingCapacity: true) }
            }
        }
        blockingWrite(writes)
    }

    func assigned(namespace: CacheKey, generation: UInt32, rows: [(CacheKey, Int32)]) {
        let writes = rows.map { CacheWrite.put(.assignments, $0.0, IndexPersistence.encodeAssignment(namespace, generation, $0.1)) }
        let store = self.store
        Task { try? await store.write(writes) }
    }

    /// Writes on the trainer's own thread. It must not wait for a task: a caller blocked in
    /// `waitForTraining()` on a cooperative thread (2 of them on 2 cores) would then wait for a
    /// task that has no thread to run on, forever.
    private func blockingWrite(_ writes: [CacheWrite]) {
        try? store.writeBlocking(writes)
    }

    static func encodeCentroids(_ s: IndexSnapshot) -> [UInt8] {
        var b = ByteBuffer()
        b.writeString("IVF1")
        b.writeInteger(s.generation, endianness: .little)
        b.writeInteger(UInt32(s.nlist), endianness: .little)
        b.writeInteger(UInt32(s.nprobe), endianness: .little)
        b.writeInteger(UInt64(s.count), endianness: .little)
        b.writeInteger(UInt16(s.dimension), endianness: .little)
        s.centroids.withUnsafeBytes { _ = b.writeBytes($0) }  // little-endian hosts (x86-64, arm64)
        return Array(b.readableBytesView)
    }

    struct Centroids {
        var generation: UInt32
        var nlist: Int
        var nprobe: Int
        var trainedRows: Int
        var dimension: Int
        var centroids: [Float]
    }

    static func decodeCentroids(_ value: ByteBuffer) -> Centroids? {
        var b = value
        guard b.readString(length: 4) == "IVF1",
              let generation = b.readInteger(endianness: .little, as: UInt32.self),
              let nlist = b.readInteger(endianness: .little, as: UInt32.self),
              let nprobe = b.readInteger(endianness: .little, as: UInt32.self),
              let rows = b.readInteger(endianness: .little, as: UInt64.self),
              let d = b.readInteger(endianness: .little, as: UInt16.self),
              b.readableBytes == Int(nlist) * Int(d) * 4, nlist > 0 else { return nil }
        let centroids = b.withUnsafeReadableBytes { raw in
            [Float](unsafeUninitializedCapacity: Int(nlist) * Int(d)) { p, n in
                UnsafeMutableRawBufferPointer(p).copyMemory(from: raw)
                n = Int(nlist) * Int(d)
            }
        }
        return Centroids(generation: generation, nlist: Int(nlist), nprobe: Int(nprobe), trainedRows: Int(rows), dimension: Int(d), centroids: centroids)
    }

    static func encodeAssignment(_ namespace: CacheKey, _ generation: UInt32, _ list: Int32) -> [UInt8] {
        var out = namespace.bytes
        out.reserveCapacity(40)
        withUnsafeBytes(of: generation.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: list.littleEndian) { out.append(contentsOf: $0) }
        return out
    }
}

extension VectorIndex {
    /// Loads every persisted vector (table `vectors`, as `SemanticCache` writes it) and the
    /// persisted centroids and lists; returns how many vectors. Namespaces past their training
    /// size that have no persisted centroids train in the background afterwards.
    @discardableResult
    public func load(from store: any CacheStore) throws -> Int {
        let d = dimension
        var trained: [CacheKey: IndexPersistence.Centroids] = [:]
        try store.scan(.centroids) { key, value in
            if let c = IndexPersistence.decodeCentroids(value), c.dimension == d { trained[key] = c }
            return true
        }
        // Both tables come in the store's key order, so each vector row meets its assignment
        // in one merge walk (no dictionary of a million keys).
        var assignedKeys: [CacheKey] = []
        var assignedList: [Int32] = []
        var assignedGeneration: [UInt32] = []
        if !trained.isEmpty {
            try store.scan(.assignments) { key, value in
                guard value.readableBytes == 40 else { return true }
                value.withUnsafeReadableBytes { raw in
                    assignedGeneration.append(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 32, as: UInt32.self)))
                    assignedList.append(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 36, as: Int32.self)))
                }
                assignedKeys.append(key)
                return true
            }
        }
        var states: [CacheKey: NamespaceState] = [:]
        var pending: [CacheKey: (ids: [CacheKey], vectors: [Float])] = [:]
        var cursor = 0
        var stale: [CacheKey] = []
        var loaded = 0
        var nsBytes = [UInt8](repeating: 0, count: 32)
        let chunkRows = parameters.chunkRows
        try store.scan(.vectors) { key, value in
            let ok = value.withUnsafeReadableBytes { raw -> Bool in
                guard raw.count >= 34, Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 32, as: UInt16.self))) == d,
                      raw.count >= 34 + 4 * d else { return false }
                nsBytes.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<32])) }
                let ns = CacheKey(bytes: nsBytes)
                // The assignment of this key, if any (skipping those of deleted rows).
                var list: Int?
                while cursor < assignedKeys.count && VectorIndex.less(assignedKeys[cursor], key) { stale.append(assignedKeys[cursor]); cursor += 1 }
                if cursor < assignedKeys.count && assignedKeys[cursor] == key {
                    if let c = trained[ns], c.generation == assignedGeneration[cursor], Int(assignedList[cursor]) < c.nlist {
                        list = Int(assignedList[cursor])
                    }
                    cursor += 1
                }
                if states[ns] == nil {
                    var s = NamespaceState(dimension: d)
                    if let c = trained[ns] {
                        s.snapshot.centroids = c.centroids
                        s.snapshot.nprobe = c.nprobe
                        s.snapshot.generation = c.generation
                        s.snapshot.lists = Array(repeating: IVFList(), count: c.nlist)
                        s.trainedRows = c.trainedRows
                    }
                    states[ns] = s
                }
                let floats = UnsafeRawBufferPointer(rebasing: raw[34..<(34 + 4 * d)])
                var vector = [Float](repeating: 0, count: d)
                vector.withUnsafeMutableBytes { $0.copyMemory(from: floats) }
                if trained[ns] != nil && list == nil {
                    pending[ns, default: ([], [])].ids.append(key)
                    pending[ns]!.vectors.append(contentsOf: vector)
                } else {
                    vector.withUnsafeBufferPointer { states[ns]!.place(key, $0, list: list, chunkRows: chunkRows) }
                }
                return true
            }
            if ok { loaded += 1 }
            return true
        }
        stale.append(contentsOf: assignedKeys[min(cursor, assignedKeys.count)...])
        // Rows without a current list: one sgemm against the namespace's centroids.
        var recomputed: [CacheKey: [(CacheKey, Int32)]] = [:]
        for (ns, rows) in pending {
            guard var s = states[ns] else { continue }
            var lists = [Int32](repeating: 0, count: rows.ids.count)
            rows.vectors.withUnsafeBufferPointer { p in
                KMeans.assign(p.baseAddress!, n: rows.ids.count, d: d, centroids: s.snapshot.centroids, k: s.snapshot.nlist, into: &lists)
                for (i, id) in rows.ids.enumerated() {
                    s.place(id, UnsafeBufferPointer(start: p.baseAddress! + i * d, count: d), list: Int(lists[i]), chunkRows: chunkRows)
                }
            }
            recomputed[ns] = zip(rows.ids, lists).map { ($0, $1) }
            states[ns] = s
        }
        let installed: [NamespaceIndex] = namespaces.withLock { map in
            states.map { ns, s in
                let index = NamespaceIndex(namespace: ns, dimension: d, parameters: parameters, persistence: persistence, trainings: trainings, state: s)
                map[ns] = index
                return index
            }
        }
        if let persistence {
            for (ns, rows) in recomputed {
                persistence.assigned(namespace: ns, generation: states[ns]!.snapshot.generation, rows: rows)
            }
            let dead = stale
            if !dead.isEmpty { Task { try? await store.write(dead.map { .delete(.assignments, $0) }) } }
        }
        for index in installed { index.trainIfDue() }
        return loaded
    }

    /// The store's key order (memcmp of the 32 bytes).
    static func less(_ a: CacheKey, _ b: CacheKey) -> Bool {
        a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, 32) < 0 } }
    }
}
