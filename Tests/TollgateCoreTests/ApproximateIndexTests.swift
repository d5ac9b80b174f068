import Foundation
import Testing
import TollgateCore
@testable import TollgateBase
@testable import TollgateHTTPClient
@testable import TollgateExactCache
@testable import TollgateSemantic
@testable import TollgateProviders
@testable import TollgateRouting
@testable import TollgateShared
@testable import TollgateFixtures
@testable import TollgateDialects
@testable import TollgatePipeline
@testable import TollgateServer
@testable import TollgateMock
@testable import TollgateBench

/// Clustered unit vectors: `clusters` random centres, each row a centre plus noise (cosine to
/// its centre ≈ 0.8), the way real embeddings bunch by topic.
struct ClusteredData {
    let dimension: Int
    var centres: [[Float]]
    var rng = SplitMixRandom(state: 7)

    init(clusters: Int, dimension: Int = 384, seed: Int = 1) {
        self.dimension = dimension
        centres = (0..<clusters).map { randomUnit(seed * 100_003 + $0, dimension: dimension) }
    }

    mutating func gaussian() -> Float {
        let u1 = Double((rng.next() >> 11) + 1) * 0x1p-53, u2 = Double(rng.next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }

    mutating func row() -> [Float] {
        let c = centres[Int(rng.next() % UInt64(centres.count))]
        let sigma: Float = 0.04
        return VectorMath.normalised(c.map { $0 + sigma * gaussian() })
    }
}

@Suite("Approximate index (IVF)")
struct ApproximateIndexTests {
    let ns = key(900_001)

    func flatTop(_ rows: [(CacheKey, [Float])], _ q: [Float]) -> CacheKey? {
        var best = -Float.infinity
        var id: CacheKey?
        for (k, v) in rows {
            let s = VectorMath.dot(q, v)
            if s > best { best = s; id = k }
        }
        return id
    }

    @Test func switchesFromFlatToTrainedPastTheFlatLimit() {
        let p = IndexParameters(flatLimit: 1000)
        let index = VectorIndex(dimension: 384, parameters: p)
        var data = ClusteredData(clusters: 20)
        for i in 0..<1000 { index.upsert(namespace: ns, id: key(i), vector: data.row()) }
        index.waitForTraining()
        #expect(index.stats(namespace: ns)?.lists == 0, "at the limit the namespace is still flat")
        index.upsert(namespace: ns, id: key(1000), vector: data.row())
        index.waitForTraining()
        let st = index.stats(namespace: ns)!
        #expect(st.rows == 1001)
        #expect(st.lists == p.lists(forRows: 1001) && st.lists > 0, "one row past the limit it trains (\(st.lists) lists)")
        #expect(st.probes == p.probes(forLists: st.lists))
    }

    @Test func recallOnClusteredDataAgainstTheFlatScan() {
        let index = VectorIndex(dimension: 384, parameters: IndexParameters(flatLimit: 2000))
        var data = ClusteredData(clusters: 60)
        var rows: [(CacheKey, [Float])] = []
        for i in 0..<12_000 {
            let v = data.row()
            rows.append((key(i), v))
            index.upsert(namespace: ns, id: key(i), vector: v)
        }
        index.waitForTraining()
        #expect((index.stats(namespace: ns)?.lists ?? 0) > 0)
        var hits = 0
        let queries = 200
        for _ in 0..<queries {
            let q = data.row()  // held out: not in the index
            if index.search(namespace: ns, query: q, k: 1).first?.id == flatTop(rows, q) { hits += 1 }
        }
        let recall = Double(hits) / Double(queries)
        #expect(recall >= 0.95, "recall@1 \(recall) against the flat scan")
        // A stored row finds itself.
        for i in stride(from: 0, to: 12_000, by: 997) {
            #expect(index.search(namespace: ns, query: rows[i].1, k: 1).first?.id == rows[i].0)
        }
    }

    @Test func namespacesAreIsolated() {
        let index = VectorIndex(dimension: 384, parameters: IndexParameters(flatLimit: 500))
        let a = key(1), b = key(2)
        var data = ClusteredData(clusters: 10)
        var shared: [[Float]] = []
        for i in 0..<800 {
            let v = data.row()
            shared.append(v)
            index.upsert(namespace: a, id: key(10_000 + i), vector: v)
        }
        index.upsert(namespace: b, id: key(20_000), vector: shared[5])
        index.waitForTraining()
        #expect((index.stats(namespace: a)?.lists ?? 0) > 0 && index.stats(namespace: b)?.lists == 0)
        let inB = index.search(namespace: b, query: shared[5], k: 3)
        #expect(inB.map(\.id) == [key(20_000)], "b sees only its own row")
        let inA = index.search(namespace: a, query: shared[5], k: 3)
        #expect(inA.first?.id == key(10_005) && !inA.contains { $0.id == key(20_000) })
        index.remove(namespace: b, id: key(20_000))
        #expect(index.search(namespace: b, query: shared[5]).isEmpty && index.stats(namespace: b) == nil)
        #expect(index.search(namespace: key(3), query: shared[5]).isEmpty)
    }

    @Test func insertsAndDeletesWhileSearchingAndTraining() async {
        let index = VectorIndex(dimension: 384, parameters: IndexParameters(flatLimit: 1500))
        var data = ClusteredData(clusters: 30)
        let vectors = (0..<6000).map { _ in data.row() }
        let rowOf = Dictionary(uniqueKeysWithValues: (0..<6000).map { (key($0), $0) })
        for i in 0..<1000 { index.upsert(namespace: ns, id: key(i), vector: vectors[i]) }
        let removed = Set(stride(from: 0, to: 6000, by: 3))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {  // writer: grows past two trainings, deletes every third row
                for i in 1000..<6000 {
                    index.upsert(namespace: self.ns, id: key(i), vector: vectors[i])
                    if i % 3 == 0 { index.remove(namespace: self.ns, id: key(i)) }
                }
                for i in stride(from: 0, to: 1000, by: 3) { index.remove(namespace: self.ns, id: key(i)) }
            }
            for r in 0..<2 {
                group.addTask {  // readers: every answer is a stored row scored as its dot product
                    for j in 0..<400 {
                        let i = (j * 7 + r) % 6000
                        for hit in index.search(namespace: self.ns, query: vectors[i], k: 3) {
                            let stored = vectors[rowOf[hit.id]!]
                            #expect(abs(VectorMath.dot(stored, vectors[i]) - hit.score) < 1e-3)
                        }
                    }
                }
            }
        }
        index.waitForTraining()
        #expect(index.count == 6000 - removed.count)
        #expect((index.stats(namespace: ns)?.lists ?? 0) > 0)
        var found = 0
        for i in 0..<6000 {
            let top = index.search(namespace: ns, query: vectors[i], k: 1).first
            if removed.contains(i) {
                #expect(top?.id != key(i), "row \(i) was removed")
            } else if top?.id == key(i) {
                found += 1
            }
        }
        #expect(found >= (6000 - removed.count) * 98 / 100, "kept rows find themselves: \(found)")
    }

    /// The trainer persists its lists from its own thread. With every thread of the cooperative
    /// pool blocked waiting for that training (as a test or a benchmark may do), it must still
    /// finish: a write that needed a task would wait for a thread that never comes (CI hung here).
    @Test func trainingFinishesWhileEveryCooperativeThreadWaitsForIt() async throws {
        let store = try LMDBStore(directory: temporaryDirectory(), mapSize: 64 << 20)
        let index = VectorIndex(dimension: 384, parameters: IndexParameters(flatLimit: 500), store: store)
        var data = ClusteredData(clusters: 10)
        for i in 0...500 { index.upsert(namespace: ns, id: key(i), vector: data.row()) }
        let width = ProcessInfo.processInfo.activeProcessorCount + 1
        let finished = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<width {
                // A deadline on a plain DispatchGroup wait: a deadlock fails the test, never hangs it.
                group.addTask { index.trainings.wait(timeout: .now() + 60) == .success }
            }
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(finished == width, "training finished while \(width) cooperative tasks blocked on it")
        #expect(try store.count(.centroids) == 1)
    }

    /// The format-2 blobs in `store`: header and records (exact key bytes → list).
    func persistedBlobs(_ store: any CacheStore) throws -> [(header: IndexPersistence.BlobHeader, records: [(CacheKey, Int32)])] {
        var out: [(header: IndexPersistence.BlobHeader, records: [(CacheKey, Int32)])] = []
        try store.scanRaw(.assignments) { _, v in
            guard let h = IndexPersistence.decodeBlobHeader(v) else { return true }
            var records: [(CacheKey, Int32)] = []
            for i in 0..<h.count {
                let o = IndexPersistence.blobHeader + i * IndexPersistence.recordBytes
                records.append((CacheKey(bytes: Array(v[o..<(o + 32)])), Int32(littleEndian: v.loadUnaligned(fromByteOffset: o + 32, as: Int32.self))))
            }
            out.append((header: h, records: records))
            return true
        }
        return out
    }

    /// Rows with a persisted list of generation `generation` (bases and later blobs).
    func persistedRows(_ store: any CacheStore, generation: UInt32) throws -> Set<CacheKey> {
        Set(try persistedBlobs(store).filter { $0.header.generation == generation }.flatMap { $0.records.map(\.0) })
    }

    /// Polls `condition` every 20 ms until it holds or 30 s pass (background writes; a deadline, not a wait).
    func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while try !condition() {
            if ContinuousClock.now > deadline { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Writes `n` clustered rows to the `vectors` table and grows an index bound to `store` with them.
    func fill(_ store: LMDBStore, _ p: IndexParameters, n: Int, clusters: Int = 20) async throws -> (VectorIndex, [[Float]]) {
        let index = VectorIndex(dimension: 384, parameters: p, store: store)
        var data = ClusteredData(clusters: clusters)
        var vectors: [[Float]] = []
        var writes: [CacheWrite] = []
        for i in 0..<n {
            let v = data.row()
            vectors.append(v)
            writes.append(.put(.vectors, key(i), VectorRow(namespace: ns, vector: v, text: "row \(i)").encoded()))
            index.upsert(namespace: ns, id: key(i), vector: v)
            index.waitForTraining()  // each training ends before the next row: its base is the rows so far
        }
        try await store.write(writes)
        return (index, vectors)
    }

    @Test func trainedListsPersistAndLoadWithoutTraining() async throws {
        let store = try LMDBStore(directory: temporaryDirectory(), mapSize: 256 << 20)
        let p = IndexParameters(flatLimit: 1000)
        let (index, vectors) = try await fill(store, p, n: 2500)  // trains at 1,001 and 2,003 rows
        let before = index.namespaces.withLock { $0[ns]! }.snapshot
        #expect(before.isTrained && before.generation == 2)
        // The base (2,003 rows) at once; the rows added since in blobs of 256, in the background.
        #expect(try await eventually { try persistedRows(store, generation: 2).count == 2003 + 256 })
        let blobs = try persistedBlobs(store)
        #expect(blobs.count < 20, "one blob per chunk or batch, not one row per vector: \(blobs.count)")
        #expect(blobs.filter { $0.header.kind == 0 && $0.header.generation == 2 }.reduce(0) { $0 + $1.records.count } == 2003)
        #expect(try store.count(.centroids) == 1)
        let topBefore = (0..<2500).map { index.search(namespace: ns, query: vectors[$0], k: 1).first?.id }
        // A deleted row leaves its record behind; the vector row is the truth.
        try await store.write([.delete(.vectors, key(7))])

        let restarted = VectorIndex(dimension: 384, parameters: p, store: store)
        let loaded = try restarted.load(from: store)
        restarted.waitForTraining()
        #expect(loaded == 2499)
        let after = restarted.namespaces.withLock { $0[ns]! }.snapshot
        #expect(after.generation == before.generation && after.centroids == before.centroids, "no training at load")
        #expect(after.count == 2499)
        var same = 0
        for i in 0..<2500 where i != 7 {
            let top = restarted.search(namespace: ns, query: vectors[i], k: 1).first?.id
            if top == topBefore[i] { same += 1 }
            if i % 97 == 0 || i >= 2002 { #expect(top == key(i), "row \(i) finds itself after the restart") }
        }
        #expect(same == 2499, "the same top-1 as before the restart")
        #expect(restarted.search(namespace: ns, query: vectors[7], k: 1).first?.id != key(7), "a deleted row stays gone")
        #expect(try await eventually { try persistedBlobs(store).allSatisfy { $0.header.generation == 2 } }, "generation 1's blobs are gone")
        // Every row kept its list: the loaded lists are the same sets as before.
        for (l, list) in before.lists.enumerated() {
            #expect(Set(after.lists[l].ids) == Set(list.ids).subtracting([key(7)]), "list \(l)")
        }
    }

    /// Rows added after the last training, persisted or not (the last batch of fewer than 256 is
    /// not), are found after a restart, and load persists those it had to assign.
    @Test func rowsAddedAfterTrainingAreFoundAfterRestarts() async throws {
        let store = try LMDBStore(directory: temporaryDirectory(), mapSize: 256 << 20)
        let p = IndexParameters(flatLimit: 1000)
        let (_, vectors) = try await fill(store, p, n: 1600)  // trains at 1,001; 599 rows since, 512 of them in two blobs
        #expect(try await eventually { try persistedRows(store, generation: 1).count == 1001 + 512 })

        let first = VectorIndex(dimension: 384, parameters: p, store: store)
        #expect(try first.load(from: store) == 1600)
        first.waitForTraining()
        for i in 1001..<1600 { #expect(first.search(namespace: ns, query: vectors[i], k: 1).first?.id == key(i)) }
        // Load wrote the lists it computed: now every row has one.
        #expect(try await eventually { try persistedRows(store, generation: 1).count == 1600 })
        // New rows after the restart are persisted too, and found after another one.
        var data = ClusteredData(clusters: 20, seed: 9)
        var more: [[Float]] = []
        var writes: [CacheWrite] = []
        for i in 1600..<1900 {
            let v = data.row()
            more.append(v)
            writes.append(.put(.vectors, key(i), VectorRow(namespace: ns, vector: v, text: "row \(i)").encoded()))
            first.upsert(namespace: ns, id: key(i), vector: v)
        }
        try await store.write(writes)
        #expect(try await eventually { try persistedRows(store, generation: 1).count >= 1856 })

        let second = VectorIndex(dimension: 384, parameters: p, store: store)
        #expect(try second.load(from: store) == 1900)
        second.waitForTraining()
        #expect(second.namespaces.withLock { $0[ns]! }.snapshot.generation == 1, "no training at load")
        for (j, v) in more.enumerated() { #expect(second.search(namespace: ns, query: v, k: 1).first?.id == key(1600 + j)) }
        for i in stride(from: 0, to: 1600, by: 53) { #expect(second.search(namespace: ns, query: vectors[i], k: 1).first?.id == key(i)) }
    }

    /// Many deleted rows: load rewrites the base without their records; they stay gone.
    @Test func deletedRowsStayGoneAndTheirRecordsAreRewrittenAway() async throws {
        let store = try LMDBStore(directory: temporaryDirectory(), mapSize: 256 << 20)
        let p = IndexParameters(flatLimit: 1000)
        let (_, vectors) = try await fill(store, p, n: 1500)
        let removed = Set(stride(from: 0, to: 1500, by: 4))  // a quarter: past the rewrite's eighth
        try await store.write(removed.map { .delete(.vectors, key($0)) })

        let restarted = VectorIndex(dimension: 384, parameters: p, store: store)
        #expect(try restarted.load(from: store) == 1500 - removed.count)
        restarted.waitForTraining()  // the rewrite runs on a thread of its own, counted as a training
        let kept = Set((0..<1500).filter { !removed.contains($0) }.map(key))
        #expect(try await eventually {
            let blobs = try persistedBlobs(store)
            return blobs.filter { $0.header.kind == 0 }.count == 1 && blobs.allSatisfy { $0.header.kind == 0 }
        }, "one new base replaced the old base and the later blobs")
        let base = try persistedBlobs(store).flatMap { $0.records.map(\.0) }
        #expect(Set(base) == kept && base.count == kept.count, "the new base holds the kept rows only")
        for i in 0..<1500 {
            let top = restarted.search(namespace: ns, query: vectors[i], k: 1).first?.id
            if removed.contains(i) { #expect(top != key(i), "row \(i) was deleted") } else if i % 7 == 0 { #expect(top == key(i)) }
        }
        let again = VectorIndex(dimension: 384, parameters: p, store: store)
        #expect(try again.load(from: store) == kept.count)
        again.waitForTraining()
        let snap = again.namespaces.withLock { $0[ns]! }.snapshot
        #expect(snap.generation == 1 && snap.count == kept.count)
        #expect(Set(snap.lists.flatMap(\.ids)) == kept)
    }

    /// A store written in format 1 (one assignments row per vector, IVF1 centroids) loads with its
    /// lists, and is rewritten in format 2.
    @Test func formatOneStoresLoadAndAreMigrated() async throws {
        let store = try LMDBStore(directory: temporaryDirectory(), mapSize: 256 << 20)
        let p = IndexParameters(flatLimit: 1000)
        let trainedIndex = VectorIndex(dimension: 384, parameters: p)  // no store: written by hand below
        var data = ClusteredData(clusters: 20)
        var vectors: [[Float]] = []
        var writes: [CacheWrite] = []
        for i in 0..<1400 {
            let v = data.row()
            vectors.append(v)
            writes.append(.put(.vectors, key(i), VectorRow(namespace: ns, vector: v, text: "row \(i)").encoded()))
            trainedIndex.upsert(namespace: ns, id: key(i), vector: v)
        }
        trainedIndex.waitForTraining()
        let snap = trainedIndex.namespaces.withLock { $0[ns]! }.snapshot
        #expect(snap.isTrained)
        writes.append(.put(.centroids, ns, IndexPersistence.encodeCentroidsV1(snap, trainedRows: 1001)))
        for (l, list) in snap.lists.enumerated() {
            for id in list.ids where id != key(5) {  // key(5): no record, assigned at load
                writes.append(.put(.assignments, id, IndexPersistence.encodeAssignment(ns, snap.generation, Int32(l))))
            }
        }
        writes.append(.put(.assignments, key(90_000), IndexPersistence.encodeAssignment(ns, snap.generation, 0)))  // a deleted row's
        try await store.write(writes)

        let restarted = VectorIndex(dimension: 384, parameters: p, store: store)
        #expect(try restarted.load(from: store) == 1400)
        restarted.waitForTraining()
        let after = restarted.namespaces.withLock { $0[ns]! }.snapshot
        #expect(after.generation == snap.generation && after.centroids == snap.centroids, "no training at load")
        for (l, list) in snap.lists.enumerated() { #expect(Set(after.lists[l].ids) == Set(list.ids), "list \(l)") }
        for i in stride(from: 0, to: 1400, by: 13) { #expect(restarted.search(namespace: ns, query: vectors[i], k: 1).first?.id == key(i)) }
        // Migrated: no format-1 row left, IVF2 centroids with the same trained size, one base of every row.
        #expect(try await eventually {
            var formatOne = 0
            try store.scanRaw(.assignments) { _, v in formatOne += v.count == 40 ? 1 : 0; return true }
            return formatOne == 0
        })
        let centroids = try #require(try store.get(.centroids, ns).flatMap(IndexPersistence.decodeCentroids))
        #expect(centroids.base != nil && centroids.trainedRows == 1001 && centroids.generation == snap.generation)
        #expect(try await eventually { try persistedRows(store, generation: snap.generation).count == 1400 })
        let again = VectorIndex(dimension: 384, parameters: p, store: store)
        #expect(try again.load(from: store) == 1400)
        again.waitForTraining()
        let third = again.namespaces.withLock { $0[ns]! }.snapshot
        #expect(third.generation == snap.generation)
        for (l, list) in snap.lists.enumerated() { #expect(Set(third.lists[l].ids) == Set(list.ids), "list \(l) after the migration") }
    }

    /// 50,000 rows through the public API, as a gateway would grow: two trainings in the
    /// background, searches all the way. Seconds in a debug build.
    @Test func fiftyThousandRowsStayFastAndExact() {
        let index = VectorIndex(dimension: 384)
        var data = ClusteredData(clusters: 200)
        var sample: [(Int, [Float])] = []
        let started = ContinuousClock.now
        for i in 0..<50_000 {
            let v = data.row()
            if i % 1000 == 0 { sample.append((i, v)) }
            index.upsert(namespace: ns, id: key(i), vector: v)
            if i % 5000 == 0 { _ = index.search(namespace: ns, query: v, k: 3) }
        }
        index.waitForTraining()
        let elapsed = ContinuousClock.now - started
        let st = index.stats(namespace: ns)!
        #expect(st.rows == 50_000 && st.lists > 0)
        #expect(Double(st.bytes) / Double(50_000 * 384 * 4) < 1.3, "index memory vs raw fp32: \(st.bytes)")
        for (i, v) in sample { #expect(index.search(namespace: ns, query: v, k: 1).first?.id == key(i)) }
        #expect(elapsed < .seconds(60), "50k inserts and trainings took \(elapsed)")
    }
}
