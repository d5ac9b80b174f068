import TollgateBase
import TollgateExactCache
import Dispatch
import Foundation
import NIOCore
import Synchronization

/// Persists what training made, in the cache's own store, so that a restart does not train again.
/// Format 2 (written since issue 16's restart work; format 1 is still read, and rewritten at load):
///
/// - table `centroids`: namespace → `IVF2`, generation u32, lists u32, probes u32, trained rows u64,
///   dimension u16, base u64, then lists × dimension f32 (little-endian). `base` names the current
///   base (below). Format 1 (`IVF1`) is the same without `base`.
/// - table `assignments`: blobs of (exact key, list) records, each under a key hashed from its
///   header (`blobKey`): `IVA2`, namespace (32 bytes), generation u32, kind u8, sequence u64,
///   chunk u32, records u32, then records × (exact key 32 bytes, list i32), little-endian.
///   - kind 0, a base: every row's list at a training, sorted by exact key, in chunks of
///     `chunkRecords` (chunk 0, 1, …: concatenated in chunk order they stay sorted); its sequence
///     is the `base` its centroids name. Each chunk is its own write, so the store's single writer
///     interleaves them with the request path's writes, and no write is large (~590 KB).
///   - kind 1, rows added since: one blob per batch of 256 rows (in row order). A later blob
///     (higher sequence) wins over an earlier one, and every one over the base.
///   Format 1: one row per exact key (namespace, generation u32, list i32: 40 bytes).
///
/// Order of writes: a training writes its base chunks, then its centroids (which make that
/// generation and base current), then deletes the blobs of other generations and bases. A crash
/// in between leaves blobs that are not current; load ignores and deletes them.
///
/// At start `VectorIndex.load(from:)` reads the current blobs of every namespace into one array
/// sorted by exact key, then walks the `vectors` table (also in key order, over the store's own
/// bytes) beside it and appends each row to its list, the lists sized beforehand from the records.
/// Rows without a current record (added after the last batch, trained in another generation, or
/// whose blob was lost) are assigned with one sgemm and written as new blobs. Records of deleted
/// rows are skipped (the vector row is the truth); when they pass an eighth of the namespace, or
/// the namespace was in format 1, load rewrites its base from what it loaded (same generation,
/// a new base) on a thread of its own, and deletes what that replaces.
final class IndexPersistence: IndexPersisting {
    let store: any CacheStore
    /// Records per base chunk (36 bytes each).
    static let chunkRecords = 16_384

    /// A blob this process wrote or found current at load (deleted when a later base replaces it).
    struct Blob {
        var key: CacheKey
        var generation: UInt32
        var kind: UInt8
        var sequence: UInt64
    }

    /// Sequence numbers of blobs: increasing, also across restarts (load moves it past every one seen).
    private let sequence = Atomic<UInt64>(1)
    private let blobs = Mutex<[CacheKey: [Blob]]>([:])
    /// Serialises base writes (trainer threads and load's rewrite): the newest generation wins.
    private let baseLock = NSLock()
    private let baseGeneration = Mutex<[CacheKey: UInt32]>([:])

    init(store: any CacheStore) { self.store = store }

    func nextSequence() -> UInt64 { sequence.wrappingAdd(1, ordering: .relaxed).oldValue }

    /// Load saw `s`: later blobs get higher sequences.
    func observe(sequence s: UInt64) {
        var current = sequence.load(ordering: .relaxed)
        while current <= s {
            let (exchanged, original) = sequence.compareExchange(expected: current, desired: s &+ 1, ordering: .relaxed)
            if exchanged { break }
            current = original
        }
    }

    func track(_ namespace: CacheKey, _ blob: Blob) { blobs.withLock { $0[namespace, default: []].append(blob) } }

    // MARK: Writes

    func trained(namespace: CacheKey, snapshot: IndexSnapshot, trainedRows: Int) {
        writeBase(namespace: namespace, snapshot: snapshot, trainedRows: trainedRows, replacing: [])
    }

    func assigned(namespace: CacheKey, generation: UInt32, rows: [(CacheKey, Int32)]) {
        guard !rows.isEmpty else { return }
        var writes: [CacheWrite] = []
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + IndexPersistence.chunkRecords)
            let seq = nextSequence()
            let (key, value) = IndexPersistence.encodeBlob(namespace: namespace, generation: generation, kind: 1, sequence: seq, chunk: 0) { out in
                for (id, list) in rows[start..<end] { IndexPersistence.appendRecord(&out, id, list) }
                return end - start
            }
            track(namespace, Blob(key: key, generation: generation, kind: 1, sequence: seq))
            writes.append(.put(.assignments, key, value))
            start = end
        }
        let store = self.store
        Task { try? await store.write(writes) }  // fire and forget: a row without a record is assigned again at load
    }

    /// Writes `snapshot`'s every row as a new base of its generation, then its centroids, then
    /// deletes the blobs that base replaces and `replacing` (which go even when a later
    /// generation was persisted first and this base is skipped). On a plain thread (it blocks).
    func writeBase(namespace: CacheKey, snapshot: IndexSnapshot, trainedRows: Int, replacing extra: [CacheKey]) {
        baseLock.lock()
        defer { baseLock.unlock() }
        let newer = baseGeneration.withLock { map -> Bool in
            if let g = map[namespace], g > snapshot.generation { return true }
            map[namespace] = snapshot.generation
            return false
        }
        if newer {  // a later training persisted first: only what this one replaced goes
            deleteInBatches(extra)
            return
        }
        let seq = nextSequence()
        let generation = snapshot.generation

        // Every row's record, sorted by exact key.
        var records: [AssignmentRecord] = []
        records.reserveCapacity(snapshot.count)
        for (l, list) in snapshot.lists.enumerated() {
            for id in list.ids { records.append(AssignmentRecord(id, list: Int32(l))) }
        }
        records.sort { $0.less($1) }
        var chunk: UInt32 = 0
        var start = 0
        var written: [Blob] = []
        repeat {
            let end = min(records.count, start + IndexPersistence.chunkRecords)
            let (key, value) = IndexPersistence.encodeBlob(namespace: namespace, generation: generation, kind: 0, sequence: seq, chunk: chunk) { out in
                for r in records[start..<end] { r.append(to: &out) }
                return end - start
            }
            blockingWrite([.put(.assignments, key, value)])
            written.append(Blob(key: key, generation: generation, kind: 0, sequence: seq))
            chunk += 1
            start = end
        } while start < records.count
        records = []
        blockingWrite([.put(.centroids, namespace, IndexPersistence.encodeCentroids(snapshot, trainedRows: trainedRows, base: seq))])

        // What the new base replaces: other generations, other bases (this process's and load's).
        let replacing = Set(extra)
        let replaced: [CacheKey] = blobs.withLock { map in
            var keep = written
            var gone: [CacheKey] = []
            for b in map[namespace] ?? [] {
                if b.generation == generation && b.kind == 1 && !replacing.contains(b.key) { keep.append(b) } else { gone.append(b.key) }
            }
            map[namespace] = keep
            return gone
        }
        deleteInBatches(Array(replacing.union(replaced)))
    }

    private func deleteInBatches(_ keys: [CacheKey]) {
        var start = 0
        while start < keys.count {
            let end = min(keys.count, start + 20_000)
            blockingWrite(keys[start..<end].map { .delete(.assignments, $0) })
            start = end
        }
    }

    /// Writes on the trainer's own thread. It must not wait for a task: a caller blocked in
    /// `waitForTraining()` on a cooperative thread (2 of them on 2 cores) would then wait for a
    /// task that has no thread to run on, forever.
    private func blockingWrite(_ writes: [CacheWrite]) {
        try? store.writeBlocking(writes)
    }

    // MARK: Encoding

    static func encodeCentroids(_ s: IndexSnapshot, trainedRows: Int, base: UInt64) -> [UInt8] {
        var b = ByteBuffer()
        b.writeString("IVF2")
        b.writeInteger(s.generation, endianness: .little)
        b.writeInteger(UInt32(s.nlist), endianness: .little)
        b.writeInteger(UInt32(s.nprobe), endianness: .little)
        b.writeInteger(UInt64(trainedRows), endianness: .little)
        b.writeInteger(UInt16(s.dimension), endianness: .little)
        b.writeInteger(base, endianness: .little)
        s.centroids.withUnsafeBytes { _ = b.writeBytes($0) }  // little-endian hosts (x86-64, arm64)
        return Array(b.readableBytesView)
    }

    /// Format 1's centroids (tests of the migration).
    static func encodeCentroidsV1(_ s: IndexSnapshot, trainedRows: Int) -> [UInt8] {
        var b = ByteBuffer()
        b.writeString("IVF1")
        b.writeInteger(s.generation, endianness: .little)
        b.writeInteger(UInt32(s.nlist), endianness: .little)
        b.writeInteger(UInt32(s.nprobe), endianness: .little)
        b.writeInteger(UInt64(trainedRows), endianness: .little)
        b.writeInteger(UInt16(s.dimension), endianness: .little)
        s.centroids.withUnsafeBytes { _ = b.writeBytes($0) }
        return Array(b.readableBytesView)
    }

    struct Centroids {
        var generation: UInt32
        var nlist: Int
        var nprobe: Int
        var trainedRows: Int
        var dimension: Int
        /// The current base's sequence (nil: format 1, whose lists are rows of the `assignments` table).
        var base: UInt64?
        var centroids: [Float]
    }

    static func decodeCentroids(_ value: ByteBuffer) -> Centroids? {
        var b = value
        let magic = b.readString(length: 4)
        guard magic == "IVF1" || magic == "IVF2",
              let generation = b.readInteger(endianness: .little, as: UInt32.self),
              let nlist = b.readInteger(endianness: .little, as: UInt32.self),
              let nprobe = b.readInteger(endianness: .little, as: UInt32.self),
              let rows = b.readInteger(endianness: .little, as: UInt64.self),
              let d = b.readInteger(endianness: .little, as: UInt16.self) else { return nil }
        var base: UInt64?
        if magic == "IVF2" {
            guard let s = b.readInteger(endianness: .little, as: UInt64.self) else { return nil }
            base = s
        }
        guard b.readableBytes == Int(nlist) * Int(d) * 4, nlist > 0 else { return nil }
        let centroids = b.withUnsafeReadableBytes { raw in
            [Float](unsafeUninitializedCapacity: Int(nlist) * Int(d)) { p, n in
                UnsafeMutableRawBufferPointer(p).copyMemory(from: raw)
                n = Int(nlist) * Int(d)
            }
        }
        return Centroids(generation: generation, nlist: Int(nlist), nprobe: Int(nprobe), trainedRows: Int(rows), dimension: Int(d),
                         base: base, centroids: centroids)
    }

    /// Format 1's row (still read; tests of the migration write it).
    static func encodeAssignment(_ namespace: CacheKey, _ generation: UInt32, _ list: Int32) -> [UInt8] {
        var out = namespace.bytes
        out.reserveCapacity(40)
        withUnsafeBytes(of: generation.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: list.littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    static let blobHeader = 4 + 32 + 4 + 1 + 8 + 4 + 4
    static let recordBytes = 36

    /// A blob's key and value; `body` appends the records and returns how many.
    static func encodeBlob(namespace: CacheKey, generation: UInt32, kind: UInt8, sequence: UInt64, chunk: UInt32,
                           _ body: (inout [UInt8]) -> Int) -> (CacheKey, [UInt8]) {
        var out: [UInt8] = []
        out.reserveCapacity(blobHeader + chunkRecords * recordBytes)
        out.append(contentsOf: Array("IVA2".utf8))
        out.append(contentsOf: namespace.bytes)
        withUnsafeBytes(of: generation.littleEndian) { out.append(contentsOf: $0) }
        out.append(kind)
        withUnsafeBytes(of: sequence.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: chunk.littleEndian) { out.append(contentsOf: $0) }
        let header = Array(out)
        out.append(contentsOf: [0, 0, 0, 0])
        let n = UInt32(body(&out))
        withUnsafeBytes(of: n.littleEndian) { for (i, b) in $0.enumerated() { out[blobHeader - 4 + i] = b } }
        return (CacheKey.hash("tollgate.ivf.blob.v2", "", "", header), out)
    }

    static func appendRecord(_ out: inout [UInt8], _ id: CacheKey, _ list: Int32) {
        out.append(contentsOf: id.bytes)
        withUnsafeBytes(of: list.littleEndian) { out.append(contentsOf: $0) }
    }

    /// A blob's header, read from the store's bytes (nil: not a format-2 blob).
    struct BlobHeader {
        var namespace: Key32
        var generation: UInt32
        var kind: UInt8
        var sequence: UInt64
        var chunk: UInt32
        var count: Int
    }

    static func decodeBlobHeader(_ raw: UnsafeRawBufferPointer) -> BlobHeader? {
        guard raw.count >= blobHeader, raw[0] == 0x49, raw[1] == 0x56, raw[2] == 0x41, raw[3] == 0x32 else { return nil }  // "IVA2"
        let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: blobHeader - 4, as: UInt32.self)))
        guard raw.count == blobHeader + count * recordBytes else { return nil }
        return BlobHeader(namespace: Key32(raw, offset: 4),
                          generation: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 36, as: UInt32.self)),
                          kind: raw[40],
                          sequence: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 41, as: UInt64.self)),
                          chunk: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 49, as: UInt32.self)),
                          count: count)
    }
}

/// 32 key bytes as four big-endian words: compares in the store's key order (memcmp) and hashes
/// without an allocation.
struct Key32: Hashable {
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    @inline(__always)
    init(_ raw: UnsafeRawBufferPointer, offset: Int = 0) {
        w0 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        w1 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        w2 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
        w3 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
    }

    init(_ key: CacheKey) { self = key.bytes.withUnsafeBytes { Key32($0) } }

    @inline(__always)
    static func < (a: Key32, b: Key32) -> Bool {
        if a.w0 != b.w0 { return a.w0 < b.w0 }
        if a.w1 != b.w1 { return a.w1 < b.w1 }
        if a.w2 != b.w2 { return a.w2 < b.w2 }
        return a.w3 < b.w3
    }
}

/// One row's list: its exact key and list, and (at load) which blob said so.
struct AssignmentRecord {
    var key: Key32
    var list: Int32
    /// Priority at load: 0 for a base, 1 + the blob's place in sequence order for rows added since.
    var rank: UInt32 = 0

    init(_ id: CacheKey, list: Int32) {
        key = Key32(id)
        self.list = list
    }

    init(key: Key32, list: Int32, rank: UInt32) {
        self.key = key
        self.list = list
        self.rank = rank
    }

    @inline(__always) func less(_ o: AssignmentRecord) -> Bool { key < o.key }

    func append(to out: inout [UInt8]) {
        withUnsafeBytes(of: key.w0.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: key.w1.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: key.w2.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: key.w3.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: list.littleEndian) { out.append(contentsOf: $0) }
    }
}
