import TollgateBase
import TollgateExactCache
import Foundation

/// One namespace while `VectorIndex.load(from:)` runs.
struct LoadSlot {
    let namespace: CacheKey
    let centroids: IndexPersistence.Centroids?
    var state: NamespaceState
    /// Current blobs read (key, header, records).
    var blobs: [(key: CacheKey, header: IndexPersistence.BlobHeader, records: [AssignmentRecord])] = []
    /// Format-1 rows of the current generation, in key order, and their keys (replaced at load).
    var formatOne: [AssignmentRecord] = []
    var formatOneKeys: [CacheKey] = []
    /// Every row's record, sorted by key, with the walk's place in it.
    var records: [AssignmentRecord] = []
    var cursor = 0
    /// Records whose row is gone (deleted, or now in another namespace).
    var stale = 0
    var pendingIDs: [CacheKey] = []
    var pendingVectors: [Float] = []
    /// Rows each list was sized for (its records), and rows placed in it so far.
    var sizes: [Int] = []
    var filled: [Int] = []

    init(namespace: CacheKey, centroids: IndexPersistence.Centroids?, dimension: Int) {
        self.namespace = namespace
        self.centroids = centroids
        state = NamespaceState(dimension: dimension)
        if let c = centroids {
            state.snapshot.centroids = c.centroids
            state.snapshot.nprobe = c.nprobe
            state.snapshot.generation = c.generation
            state.trainedRows = c.trainedRows
        }
    }

    /// Merges base, format-1 rows and later blobs into `records` (one per key: the latest blob's,
    /// else the base's), then sizes the lists and the id map for them.
    mutating func prepare() {
        guard let c = centroids else { return }
        var base: [AssignmentRecord] = []
        var later: [AssignmentRecord] = []
        let bases = blobs.filter { $0.header.kind == 0 }.sorted { $0.header.chunk < $1.header.chunk }
        base.reserveCapacity(bases.reduce(0) { $0 + $1.records.count } + formatOne.count)
        for b in bases { base.append(contentsOf: b.records) }
        base.append(contentsOf: formatOne)  // at most one of the two is current (IVF1 or IVF2 centroids)
        if !LoadSlot.sorted(base) { base.sort { $0.key < $1.key } }
        for (rank, b) in blobs.filter({ $0.header.kind == 1 }).sorted(by: { $0.header.sequence < $1.header.sequence }).enumerated() {
            for var r in b.records {
                r.rank = UInt32(rank + 1)
                later.append(r)
            }
        }
        if later.isEmpty {
            records = base
        } else {
            later.sort { $0.key < $1.key || ($0.key == $1.key && $0.rank < $1.rank) }
            records.reserveCapacity(base.count + later.count)
            var i = 0, j = 0
            while i < base.count || j < later.count {
                // The last of a run of equal keys in `later` is the latest.
                if j < later.count && (i == base.count || !(base[i].key < later[j].key)) {
                    var last = j
                    while last + 1 < later.count && later[last + 1].key == later[j].key { last += 1 }
                    if i < base.count && base[i].key == later[j].key { i += 1 }
                    records.append(later[last])
                    j = last + 1
                } else {
                    records.append(base[i])
                    i += 1
                }
            }
        }
        for b in blobs.indices { blobs[b].records = [] }
        formatOne = []

        // Each list at its size, its floats written once, straight from the store's bytes (`add`);
        // `finish` trims the rows of records whose row was gone.
        sizes = [Int](repeating: 0, count: c.nlist)
        filled = sizes
        for r in records where r.list >= 0 && Int(r.list) < c.nlist { sizes[Int(r.list)] += 1 }
        let d = state.snapshot.dimension
        state.snapshot.lists = sizes.map { n in
            var l = IVFList()
            l.vectors = [Float](unsafeUninitializedCapacity: n * d) { buffer, initialized in
                // Float: any bits will do until written. The range, for `prefault` (an address, never dereferenced).
                if n > 0 { ranges.append((Int(bitPattern: buffer.baseAddress), n * d * 4)) }
                initialized = n * d
            }
            l.ids.reserveCapacity(n)
            return l
        }
        state.locations.reserveCapacity(records.count)
    }

    /// The lists' float buffers, as (address, bytes), which `VectorIndex.prefault` maps in.
    var ranges: [(Int, Int)] = []

    /// Trims each list to the rows placed in it (before any other row is appended).
    mutating func finish() {
        let d = state.snapshot.dimension
        for l in sizes.indices where filled[l] < sizes[l] {
            state.snapshot.lists[l].vectors.removeLast((sizes[l] - filled[l]) * d)
        }
    }

    static func sorted(_ a: [AssignmentRecord]) -> Bool {
        var i = 1
        while i < a.count {
            if a[i].key < a[i - 1].key { return false }
            i += 1
        }
        return true
    }

    /// Places one stored row: in its recorded list, or (trained, no record) pending one sgemm.
    @inline(__always)
    mutating func add(_ rowKey: Key32, _ id: CacheKey, _ floats: UnsafeRawBufferPointer, chunkRows: Int) {
        guard let c = centroids else {
            state.appendNew(id, floats, list: nil, chunkRows: chunkRows)
            return
        }
        var list: Int?
        while cursor < records.count && records[cursor].key < rowKey {
            stale += 1
            cursor += 1
        }
        if cursor < records.count && records[cursor].key == rowKey {
            let l = Int(records[cursor].list)
            if l >= 0 && l < c.nlist { list = l }
            cursor += 1
        }
        if let list, filled[list] < sizes[list] {  // always: each record is met once
            let row = filled[list]
            state.snapshot.lists[list].vectors.withUnsafeMutableBytes { p in
                UnsafeMutableRawBufferPointer(rebasing: p[(row * floats.count)..<((row + 1) * floats.count)]).copyMemory(from: floats)
            }
            state.snapshot.lists[list].ids.append(id)
            state.locations[id] = RowLocation(list: Int32(list), row: Int32(row))
            state.snapshot.count += 1
            filled[list] = row + 1
        } else {
            pendingIDs.append(id)
            let n = pendingVectors.count
            pendingVectors.append(contentsOf: repeatElement(0, count: floats.count / 4))
            pendingVectors.withUnsafeMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[(n * 4)...]).copyMemory(from: floats) }
        }
    }
}

extension VectorIndex {
    /// Maps in the pages of the freshly allocated lists (`MADV_POPULATE_WRITE`, Linux 5.14+) on a
    /// thread of its own while the load copies rows into them: a million rows are 1.5 GB of new
    /// pages, and a page fault per 4 KiB in the copy loop was a third of the load (perf, 1M rows).
    /// The call changes no byte (and fails harmlessly on a range that is gone or a kernel without it);
    /// the load does not wait for it, a row it has not reached faults its page in as before.
    static func prefault(_ ranges: [(Int, Int)]) {
        #if os(Linux)
        let total = ranges.reduce(0) { $0 + $1.1 }
        guard total >= 64 << 20 else { return }  // small loads: not worth a thread
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let thread = Thread {
            for (address, bytes) in ranges {
                let start = (address + page - 1) & ~(page - 1)
                let end = (address + bytes) & ~(page - 1)
                if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, 23 /* MADV_POPULATE_WRITE */) }
            }
        }
        thread.name = "tollgate.index.prefault"
        thread.start()
        #endif
    }

    /// Loads every persisted vector (table `vectors`, as `SemanticCache` writes it) and the
    /// persisted centroids and lists (IndexPersistence.swift describes the format and the
    /// rules); returns how many vectors. Namespaces past their training size that have no
    /// persisted centroids train in the background afterwards.
    @discardableResult
    public func load(from store: any CacheStore) throws -> Int {
        let d = dimension
        let chunkRows = parameters.chunkRows
        store.willScanAll()
        var slotOf: [Key32: Int] = [:]
        var slots: [LoadSlot] = []
        try store.scan(.centroids) { key, value in
            if let c = IndexPersistence.decodeCentroids(value), c.dimension == d {
                slotOf[Key32(key)] = slots.count
                slots.append(LoadSlot(namespace: key, centroids: c, dimension: d))
            }
            return true
        }

        // The current blobs (and format-1 rows) of every trained namespace; the rest are stale.
        var stale: [CacheKey] = []
        var lastSequence: UInt64 = 0
        try store.scanRaw(.assignments) { k, v in
            if let h = IndexPersistence.decodeBlobHeader(v) {
                lastSequence = max(lastSequence, h.sequence)
                guard let s = slotOf[h.namespace], let c = slots[s].centroids, c.generation == h.generation,
                      h.kind == 1 || (h.kind == 0 && c.base == h.sequence) else {
                    stale.append(CacheKey(bytes: Array(k)))
                    return true
                }
                var records: [AssignmentRecord] = []
                records.reserveCapacity(h.count)
                var o = IndexPersistence.blobHeader
                for _ in 0..<h.count {
                    records.append(AssignmentRecord(key: Key32(v, offset: o), list: Int32(littleEndian: v.loadUnaligned(fromByteOffset: o + 32, as: Int32.self)), rank: 0))
                    o += IndexPersistence.recordBytes
                }
                slots[s].blobs.append((key: CacheKey(bytes: Array(k)), header: h, records: records))
            } else if v.count == 40 {  // format 1
                let key = CacheKey(bytes: Array(k))
                if let s = slotOf[Key32(v)], let c = slots[s].centroids, c.base == nil,
                   UInt32(littleEndian: v.loadUnaligned(fromByteOffset: 32, as: UInt32.self)) == c.generation {
                    slots[s].formatOne.append(AssignmentRecord(key: Key32(k), list: Int32(littleEndian: v.loadUnaligned(fromByteOffset: 36, as: Int32.self)), rank: 0))
                    slots[s].formatOneKeys.append(key)
                } else {
                    stale.append(key)
                }
            }
            return true
        }
        for s in slots.indices { slots[s].prepare() }
        VectorIndex.prefault(slots.flatMap(\.ranges))

        // The vectors, in key order, beside each namespace's records.
        var loaded = 0
        var last = -1
        var lastNamespace = Key32(w0: 0, w1: 0, w2: 0, w3: 0)
        try store.scanRaw(.vectors) { k, v in
            guard v.count >= 34 + 4 * d, Int(UInt16(littleEndian: v.loadUnaligned(fromByteOffset: 32, as: UInt16.self))) == d else { return true }
            let ns = Key32(v)
            let s: Int
            if last >= 0 && ns == lastNamespace {
                s = last
            } else if let found = slotOf[ns] {
                s = found
            } else {
                s = slots.count
                slotOf[ns] = s
                slots.append(LoadSlot(namespace: CacheKey(bytes: Array(v[0..<32])), centroids: nil, dimension: d))
            }
            last = s
            lastNamespace = ns
            slots[s].add(Key32(k), CacheKey(bytes: Array(k)), UnsafeRawBufferPointer(rebasing: v[34..<(34 + 4 * d)]), chunkRows: chunkRows)
            loaded += 1
            return true
        }

        // Rows without a current list: one sgemm against the namespace's centroids.
        var recomputed: [Int: [(CacheKey, Int32)]] = [:]
        for s in slots.indices {
            slots[s].finish()
            slots[s].stale += slots[s].records.count - slots[s].cursor
            slots[s].records = []
            guard let c = slots[s].centroids, !slots[s].pendingIDs.isEmpty else { continue }
            let ids = slots[s].pendingIDs
            var lists = [Int32](repeating: 0, count: ids.count)
            let vectors = slots[s].pendingVectors
            slots[s].pendingIDs = []
            slots[s].pendingVectors = []
            vectors.withUnsafeBufferPointer { p in
                KMeans.assign(p.baseAddress!, n: ids.count, d: d, centroids: c.centroids, k: c.nlist, into: &lists)
                for (i, id) in ids.enumerated() {
                    slots[s].state.place(id, UnsafeBufferPointer(start: p.baseAddress! + i * d, count: d), list: Int(lists[i]), chunkRows: chunkRows)
                }
            }
            recomputed[s] = zip(ids, lists).map { ($0, $1) }
        }

        let installed: [NamespaceIndex] = namespaces.withLock { map in
            slots.compactMap { slot in
                guard slot.state.count > 0 else { return nil }  // persisted centroids of a namespace without rows
                let index = NamespaceIndex(namespace: slot.namespace, dimension: d, parameters: parameters, persistence: persistence,
                                           trainings: trainings, state: slot.state)
                map[slot.namespace] = index
                return index
            }
        }
        if let persistence {
            persistence.observe(sequence: lastSequence)
            var rewrites: [(CacheKey, IndexSnapshot, Int, [CacheKey])] = []
            for (s, slot) in slots.enumerated() {
                guard let c = slot.centroids else { continue }
                for b in slot.blobs {
                    persistence.track(slot.namespace, IndexPersistence.Blob(key: b.key, generation: b.header.generation, kind: b.header.kind, sequence: b.header.sequence))
                }
                // Format 1, or many records of deleted rows: a new base from what was loaded replaces
                // them (and holds the rows assigned just now).
                if slot.state.count > 0 && (c.base == nil || slot.stale > max(16, slot.state.count / 8)) {
                    let replaced = slot.formatOneKeys + slot.blobs.map(\.key)
                    rewrites.append((slot.namespace, slot.state.snapshot, c.trainedRows, replaced))
                } else {
                    stale.append(contentsOf: slot.formatOneKeys)
                    if let rows = recomputed[s] { persistence.assigned(namespace: slot.namespace, generation: c.generation, rows: rows) }
                }
            }
            if !stale.isEmpty {
                let dead = stale
                Task {
                    var start = 0
                    while start < dead.count {
                        let end = min(dead.count, start + 20_000)
                        try? await store.write(dead[start..<end].map { .delete(.assignments, $0) })
                        start = end
                    }
                }
            }
            if !rewrites.isEmpty {
                // A plain thread: writeBase blocks on each write (never a cooperative thread).
                let work = rewrites
                trainings.enter()
                let thread = Thread { [trainings] in
                    for (ns, snapshot, trainedRows, replaced) in work {
                        persistence.writeBase(namespace: ns, snapshot: snapshot, trainedRows: trainedRows, replacing: replaced)
                    }
                    trainings.leave()
                }
                thread.name = "tollgate.index.rewrite"
                thread.qualityOfService = .utility
                thread.start()
            }
        }
        for index in installed { index.trainIfDue() }
        return loaded
    }
}
