import TollgateBase
import TollgateExactCache
import Dispatch
import Foundation
import Synchronization

/// What a namespace tells its persistence (`IndexPersistence`): a new training, and the lists of
/// rows inserted since. Both are called off the request path's locks.
protocol IndexPersisting: Sendable {
    /// Centroids and every row's list after a training at `trainedRows` rows (the caller's
    /// thread may block on it).
    func trained(namespace: CacheKey, snapshot: IndexSnapshot, trainedRows: Int)
    /// Lists of rows added since (fire and forget).
    func assigned(namespace: CacheKey, generation: UInt32, rows: [(CacheKey, Int32)])
}

/// The mutable side of one namespace: the snapshot readers copy, where each id is, and the
/// bookkeeping of a training in progress.
struct NamespaceState: Sendable {
    enum Op: Sendable {
        case upsert(CacheKey, [Float])
        case remove(CacheKey)
    }

    var snapshot: IndexSnapshot
    var locations: [CacheKey: RowLocation] = [:]
    /// Writes made while a training runs (nil when none runs): the trainer replays them.
    var log: [Op]?
    var training = false
    /// Rows at the last training (0: never trained).
    var trainedRows = 0
    /// Set when the namespace emptied and left the index: a writer holding it must look again.
    var retired = false
    /// (id, list) of rows added since the last persisted batch.
    var unpersisted: [(CacheKey, Int32)] = []

    init(dimension: Int) { snapshot = IndexSnapshot(dimension: dimension) }

    var count: Int { snapshot.count }

    /// Puts `v` under `id` in `list` (trained) or in the last chunk with room (flat); an existing
    /// row is overwritten in place if it stays in its list.
    mutating func place(_ id: CacheKey, _ v: UnsafeBufferPointer<Float>, list: Int?, chunkRows: Int) {
        let d = snapshot.dimension
        if let loc = locations[id] {
            if !snapshot.isTrained || Int(loc.list) == list {
                snapshot.lists[Int(loc.list)].vectors.withUnsafeMutableBufferPointer { p in
                    (p.baseAddress! + Int(loc.row) * d).update(from: v.baseAddress!, count: d)
                }
                return
            }
            _ = remove(id)
        }
        let l = targetList(list, chunkRows: chunkRows)
        locations[id] = RowLocation(list: Int32(l), row: Int32(snapshot.lists[l].count))
        snapshot.lists[l].append(id, v)
        snapshot.count += 1
    }

    /// `list`, or (flat) the last chunk, a new one when it is full.
    private mutating func targetList(_ list: Int?, chunkRows: Int) -> Int {
        if let list { return list }
        if snapshot.lists.last.map({ $0.count >= chunkRows }) ?? true { snapshot.lists.append(IVFList()) }
        return snapshot.lists.count - 1
    }

    /// Appends a row known to be new (a bulk load: no lookup of an earlier row), its vector
    /// copied from the store's bytes; `list` as in `place`.
    mutating func appendNew(_ id: CacheKey, _ raw: UnsafeRawBufferPointer, list: Int?, chunkRows: Int) {
        let l = targetList(list, chunkRows: chunkRows)
        locations[id] = RowLocation(list: Int32(l), row: Int32(snapshot.lists[l].count))
        snapshot.lists[l].append(id, raw: raw)
        snapshot.count += 1
    }

    /// Removes `id`'s row; false if it has none.
    @discardableResult
    mutating func remove(_ id: CacheKey) -> Bool {
        guard let loc = locations.removeValue(forKey: id) else { return false }
        if let moved = snapshot.lists[Int(loc.list)].remove(row: Int(loc.row), dimension: snapshot.dimension) {
            locations[moved] = loc
        }
        snapshot.count -= 1
        return true
    }

    /// Applies a logged write (nearest list computed here).
    mutating func apply(_ op: Op, chunkRows: Int) {
        switch op {
        case .remove(let id): remove(id)
        case .upsert(let id, let v):
            v.withUnsafeBufferPointer { p in
                let list = snapshot.isTrained ? snapshot.nearestList(p.baseAddress!) : nil
                place(id, p, list: list, chunkRows: chunkRows)
                if let list { unpersisted.append((id, Int32(list))) }
            }
        }
    }
}

/// One namespace's index. Searches copy the snapshot out of the mutex (a few reference-count
/// increments) and scan it without any lock; writers hold the mutex for the append or the
/// swap-remove itself (the nearest centroid of a new row is computed before taking it).
/// Training runs on its own thread and swaps the trained snapshot in at the end.
final class NamespaceIndex: Sendable {
    let namespace: CacheKey
    let parameters: IndexParameters
    let persistence: (any IndexPersisting)?
    let trainings: DispatchGroup
    let state: Mutex<NamespaceState>

    init(namespace: CacheKey, dimension: Int, parameters: IndexParameters, persistence: (any IndexPersisting)?,
         trainings: DispatchGroup, state: NamespaceState? = nil) {
        self.namespace = namespace
        self.parameters = parameters
        self.persistence = persistence
        self.trainings = trainings
        self.state = Mutex(state ?? NamespaceState(dimension: dimension))
    }

    var snapshot: IndexSnapshot { state.withLock { $0.snapshot } }
    var count: Int { state.withLock { $0.snapshot.count } }

    func search(_ query: [Float], k: Int) -> [(id: CacheKey, score: Float)] {
        let snap = state.withLock { $0.snapshot }
        return snap.search(query, k: k)
    }

    /// Adds or replaces a row; false if this namespace was retired (look it up again).
    func upsert(_ id: CacheKey, _ v: [Float]) -> Bool {
        let (centroids, generation) = state.withLock { ($0.snapshot.centroids, $0.snapshot.generation) }
        var guess: Int?
        if !centroids.isEmpty {
            var probe = IndexSnapshot(dimension: v.count)
            probe.centroids = centroids
            guess = v.withUnsafeBufferPointer { probe.nearestList($0.baseAddress!) }
        }
        let chunkRows = parameters.chunkRows
        let outcome = state.withLock { s -> (ok: Bool, train: Bool, flush: [(CacheKey, Int32)], generation: UInt32) in
            guard !s.retired else { return (false, false, [], 0) }
            v.withUnsafeBufferPointer { p in
                var list: Int?
                if s.snapshot.isTrained {
                    list = (generation == s.snapshot.generation ? guess : nil) ?? s.snapshot.nearestList(p.baseAddress!)
                }
                s.place(id, p, list: list, chunkRows: chunkRows)
                if let list { s.unpersisted.append((id, Int32(list))) }
            }
            s.log?.append(.upsert(id, v))
            var flush: [(CacheKey, Int32)] = []
            if s.unpersisted.count >= 256 { swap(&flush, &s.unpersisted) }
            let train = !s.training && s.count > nextTraining(s)
            if train { s.training = true; s.log = [] }
            return (true, train, flush, s.snapshot.generation)
        }
        if !outcome.flush.isEmpty { persistence?.assigned(namespace: namespace, generation: outcome.generation, rows: outcome.flush) }
        if outcome.train { startTraining() }
        return outcome.ok
    }

    /// The row count past which the namespace (re)trains.
    func nextTraining(_ s: NamespaceState) -> Int {
        s.trainedRows == 0 ? parameters.flatLimit : Int(Double(s.trainedRows) * parameters.retrainGrowth)
    }

    /// Starts a training if one is due (after a bulk load).
    func trainIfDue() {
        let due = state.withLock { s -> Bool in
            guard !s.training, !s.retired, s.count > nextTraining(s) else { return false }
            s.training = true
            s.log = []
            return true
        }
        if due { startTraining() }
    }

    private func startTraining() {
        trainings.enter()
        let thread = Thread { [self] in
            train()
            trainings.leave()
        }
        thread.name = "tollgate.index.train"
        thread.qualityOfService = .utility
        thread.start()
    }

    /// Trains centroids on a sample of the current rows, assigns every row, catches up with the
    /// writes made meanwhile and swaps the result in. Runs on its own thread.
    func train() {
        var old: IndexSnapshot? = state.withLock { $0.snapshot }
        guard let snap = old, snap.count >= 16 else {
            state.withLock { $0.training = false; $0.log = nil }
            return
        }
        let d = snap.dimension
        let n = snap.count
        let nlist = parameters.lists(forRows: n)
        let trainedRows = n

        // The sample: every step-th row across the lists (lists and rows are in no useful order).
        let sampleRows = min(n, nlist * parameters.samplePerList)
        var sample = [Float]()
        sample.reserveCapacity(sampleRows * d)
        let step = Double(n) / Double(sampleRows)
        var next = 0.0
        var seen = 0
        for list in snap.lists {
            list.vectors.withUnsafeBufferPointer { p in
                for r in 0..<list.count {
                    if Double(seen) >= next, sample.count < sampleRows * d {
                        sample.append(contentsOf: UnsafeBufferPointer(start: p.baseAddress! + r * d, count: d))
                        next += step
                    }
                    seen += 1
                }
            }
        }
        let k = min(nlist, sample.count / d)
        let centroids = sample.withUnsafeBufferPointer {
            KMeans.train($0.baseAddress!, n: sample.count / d, d: d, k: k, iterations: parameters.iterations,
                         seed: UInt64(n) ^ 0x1D3A_F00D)
        }
        sample = []

        // Every row's list, then the new lists at their exact sizes.
        var assignments: [[Int32]] = []
        var sizes = [Int](repeating: 0, count: k)
        for list in snap.lists {
            var a = [Int32](repeating: 0, count: list.count)
            if list.count > 0 {
                list.vectors.withUnsafeBufferPointer { KMeans.assign($0.baseAddress!, n: list.count, d: d, centroids: centroids, k: k, into: &a) }
            }
            for c in a { sizes[Int(c)] += 1 }
            assignments.append(a)
        }
        var fresh = NamespaceState(dimension: d)
        fresh.snapshot.centroids = centroids
        fresh.snapshot.nprobe = parameters.probes(forLists: k)
        fresh.snapshot.generation = snap.generation &+ 1
        fresh.snapshot.lists = (0..<k).map { c in
            var l = IVFList()
            l.vectors.reserveCapacity(sizes[c] * d)
            l.ids.reserveCapacity(sizes[c])
            return l
        }
        fresh.locations.reserveCapacity(n)
        for (li, list) in snap.lists.enumerated() {
            list.vectors.withUnsafeBufferPointer { p in
                for r in 0..<list.count {
                    fresh.place(list.ids[r], UnsafeBufferPointer(start: p.baseAddress! + r * d, count: d),
                                list: Int(assignments[li][r]), chunkRows: parameters.chunkRows)
                }
            }
        }
        assignments = []
        old = nil

        // Catch up with the writes made meanwhile, off the lock while there are many.
        while true {
            let ops = state.withLock { s -> [NamespaceState.Op] in
                let ops = s.log ?? []
                s.log = []
                return ops
            }
            for op in ops { fresh.apply(op, chunkRows: parameters.chunkRows) }
            if ops.count <= 8 { break }
        }
        fresh.unpersisted = []
        fresh.trainedRows = trainedRows
        let installed = state.withLock { s -> IndexSnapshot in
            for op in s.log ?? [] { fresh.apply(op, chunkRows: parameters.chunkRows) }
            fresh.log = nil
            fresh.training = false
            fresh.retired = s.retired
            s = fresh
            return s.snapshot
        }
        persistence?.trained(namespace: namespace, snapshot: installed, trainedRows: trainedRows)
        // A namespace that grew past the next size while training trains again.
        trainIfDue()
    }
}
