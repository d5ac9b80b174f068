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

    @Test func trainedListsPersistAndLoadWithoutTraining() async throws {
        let dir = temporaryDirectory()
        let store = try LMDBStore(directory: dir, mapSize: 256 << 20)
        let p = IndexParameters(flatLimit: 1000)
        let index = VectorIndex(dimension: 384, parameters: p, store: store)
        var data = ClusteredData(clusters: 20)
        var vectors: [[Float]] = []
        var writes: [CacheWrite] = []
        for i in 0..<2500 {
            let v = data.row()
            vectors.append(v)
            writes.append(.put(.vectors, key(i), VectorRow(namespace: ns, vector: v, text: "row \(i)").encoded()))
            index.upsert(namespace: ns, id: key(i), vector: v)
        }
        try await store.write(writes)
        index.waitForTraining()
        // The rows added after training are persisted 256 at a time, in the background: poll, with a deadline.
        let persisted = ContinuousClock.now + .seconds(30)
        while try store.count(.assignments) < 2000, ContinuousClock.now < persisted { try await Task.sleep(for: .milliseconds(20)) }
        let before = index.namespaces.withLock { $0[ns]! }.snapshot
        #expect(before.isTrained)
        #expect(try store.count(.centroids) == 1 && store.count(.assignments) >= 2000)
        // A deleted row leaves a stale assignment behind, dropped at load.
        try await store.write([.delete(.vectors, key(7))])

        let restarted = VectorIndex(dimension: 384, parameters: p, store: store)
        let loaded = try restarted.load(from: store)
        restarted.waitForTraining()
        #expect(loaded == 2499)
        let after = restarted.namespaces.withLock { $0[ns]! }.snapshot
        #expect(after.generation == before.generation && after.centroids == before.centroids, "no training at load")
        #expect(after.count == 2499)
        for i in stride(from: 0, to: 2500, by: 101) where i != 7 {
            #expect(restarted.search(namespace: ns, query: vectors[i], k: 1).first?.id == key(i))
        }
        #expect(restarted.search(namespace: ns, query: vectors[7], k: 1).first?.id != key(7))
        // The stale assignment is deleted in the background after the load: poll, with a deadline.
        let dropped = ContinuousClock.now + .seconds(30)
        while try store.get(.assignments, key(7)) != nil, ContinuousClock.now < dropped { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try store.get(.assignments, key(7)) == nil, "the stale assignment is gone")
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
