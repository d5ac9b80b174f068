import CLMDB
import Foundation
import NIOCore
import Synchronization
import TollgateBase

/// An LMDB error with the library's message.
public struct LMDBError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let operation: String
    public var description: String { "LMDB \(operation): \(String(cString: mdb_strerror(code)))" }
    public var isMapFull: Bool { code == MDB_MAP_FULL }
    /// The disk under the store is full (a write may fit again in pages freed by eviction).
    public var isDiskFull: Bool { code == ENOSPC }
}

/// The thin Swift type over LMDB: one environment per process, one named database per table.
///
/// Reads run on the caller's thread in a short read-only transaction (`MDB_NOTLS`, since Swift
/// tasks hop threads); values are copied out before the transaction ends. Writes are queued and
/// committed by one writer queue in batches (group commit), so concurrent misses share an fsync.
public final class LMDBStore: CacheStore, @unchecked Sendable {
    // The handles are set once in init and never change; every transaction begins and ends
    // inside one synchronous call, which is what makes the type safe to share.
    private let env: OpaquePointer
    private let dbis: [CacheTable: MDB_dbi]
    private let writer = DispatchQueue(label: "tollgate.lmdb.writer")
    private let pending = Mutex<[(batch: [CacheWrite], done: @Sendable ((any Error)?) -> Void)]>([])
    public let path: String
    /// The map size: the most the data file may grow to.
    public let capacityBytes: Int?

    /// Opens (creating if needed) the store in `directory`.
    /// - Parameter mapSize: the most the data file may grow to.
    public init(directory: String, mapSize: Int = 1 << 30, maxReaders: UInt32 = 1024) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory
        capacityBytes = mapSize
        var envp: OpaquePointer?
        try LMDBStore.check(mdb_env_create(&envp), "env_create")
        guard let env = envp else { throw LMDBError(code: EINVAL, operation: "env_create") }
        do {
            try LMDBStore.check(mdb_env_set_mapsize(env, mapSize), "set_mapsize")
            try LMDBStore.check(mdb_env_set_maxreaders(env, maxReaders), "set_maxreaders")
            try LMDBStore.check(mdb_env_set_maxdbs(env, MDB_dbi(CacheTable.allCases.count + 2)), "set_maxdbs")
            // NOMETASYNC: a system crash may lose the last commit but never corrupts the file;
            // a process crash (kill -9) loses nothing that was committed.
            let flags = UInt32(MDB_NOTLS | MDB_NORDAHEAD | MDB_NOMETASYNC)
            try LMDBStore.check(mdb_env_open(env, directory, flags, 0o644), "env_open(\(directory))")
            var txn: OpaquePointer?
            try LMDBStore.check(mdb_txn_begin(env, nil, 0, &txn), "txn_begin")
            var handles: [CacheTable: MDB_dbi] = [:]
            for table in CacheTable.allCases {
                var dbi: MDB_dbi = 0
                let rc = mdb_dbi_open(txn, table.rawValue, UInt32(MDB_CREATE), &dbi)
                if rc != 0 { mdb_txn_abort(txn); throw LMDBError(code: rc, operation: "dbi_open(\(table.rawValue))") }
                handles[table] = dbi
            }
            try LMDBStore.check(mdb_txn_commit(txn), "txn_commit")
            dbis = handles
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.env = env
    }

    deinit {
        mdb_env_close(env)
    }

    static func check(_ rc: Int32, _ operation: String) throws {
        if rc != 0 { throw LMDBError(code: rc, operation: operation) }
    }

    // MARK: Reads

    public func get(_ table: CacheTable, _ key: CacheKey) throws -> ByteBuffer? {
        var txn: OpaquePointer?
        try LMDBStore.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "txn_begin(read)")
        defer { mdb_txn_abort(txn) }
        return try key.bytes.withUnsafeBytes { raw -> ByteBuffer? in
            var k = MDB_val(mv_size: raw.count, mv_data: UnsafeMutableRawPointer(mutating: raw.baseAddress))
            var v = MDB_val()
            let rc = mdb_get(txn, dbis[table]!, &k, &v)
            if rc == MDB_NOTFOUND { return nil }
            try LMDBStore.check(rc, "get")
            return ByteBuffer(bytes: UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    public func scan(_ table: CacheTable, _ body: (CacheKey, ByteBuffer) throws -> Bool) throws {
        try scanRaw(table) { k, v in try body(CacheKey(bytes: Array(k)), ByteBuffer(bytes: v)) }
    }

    public func scanRaw(_ table: CacheTable, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        var txn: OpaquePointer?
        try LMDBStore.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "txn_begin(read)")
        defer { mdb_txn_abort(txn) }
        var cursor: OpaquePointer?
        try LMDBStore.check(mdb_cursor_open(txn, dbis[table]!, &cursor), "cursor_open")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        var rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        while rc == 0 {
            if k.mv_size == 32 {
                if try !body(UnsafeRawBufferPointer(start: k.mv_data, count: 32), UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)) { return }
            }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { try LMDBStore.check(rc, "cursor_get") }
    }

    /// Reads the data file ahead (`POSIX_FADV_WILLNEED`) and maps its used pages into this process
    /// (`MADV_POPULATE_READ`, Linux 5.14+) on a thread of its own, ahead of the caller's scan: a
    /// 1M-row `vectors` table is ~3.7 GB of pages, faulted in one at a time otherwise (issue 16).
    /// It changes nothing; the scan does not wait for it.
    public func willScanAll() {
        #if os(Linux)
        var info = MDB_envinfo()
        var stat = MDB_stat()
        guard mdb_env_info(env, &info) == 0, mdb_env_stat(env, &stat) == 0 else { return }
        let used = (info.me_last_pgno + 1) * Int(stat.ms_psize)
        // Small stores: not worth a thread. Stores near the machine's memory: mapping everything
        // in (the exact entries too) would only push other pages out.
        guard used >= 64 << 20, UInt64(used) <= ProcessInfo.processInfo.physicalMemory / 2 else { return }
        // LMDB does not say where its map is (`me_mapaddr` is set only for MDB_FIXEDMAP): the
        // process's own mapping of data.mdb is it.
        guard let start = LMDBStore.mapping(of: path + "/data.mdb") else { return }
        let file = path + "/data.mdb"
        let thread = Thread { [self] in
            // On a cold page cache, queue reads of the whole file first: the map is MDB_NORDAHEAD,
            // so each of the scan's faults would be its own 4 KiB read (a cold 1M load: 957k major
            // faults, 57-83 s, where `dd` reads the file in 7 s; with this, 4.4 s). The kernel caps
            // one WILLNEED at its readahead window, hence the 128 KiB steps; on a warm cache each
            // finds its pages resident.
            let fd = open(file, O_RDONLY)
            if fd >= 0 {
                var offset = 0
                while offset < used {
                    _ = posix_fadvise(fd, off_t(offset), off_t(min(128 << 10, used - offset)), POSIX_FADV_WILLNEED)
                    offset += 128 << 10
                }
                close(fd)
            }
            // Then map it in, in chunks of 64 MiB, in file order; `self` keeps the map alive until the last one.
            var offset = 0
            while offset < used {
                let n = min(64 << 20, used - offset)
                if madvise(UnsafeMutableRawPointer(bitPattern: start + offset), n, 22 /* MADV_POPULATE_READ */) != 0 { break }
                offset += n
            }
            _ = self.path
        }
        thread.name = "tollgate.lmdb.prefault"
        thread.start()
        #endif
    }

    /// The start address of this process's mapping of `file` (/proc/self/maps), if there is one.
    static func mapping(of file: String) -> Int? {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return nil }
        let target = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
        for line in maps.split(separator: "\n") where line.hasSuffix(target) {
            guard let dash = line.firstIndex(of: "-") else { continue }
            return Int(line[..<dash], radix: 16)
        }
        return nil
    }

    public func count(_ table: CacheTable) throws -> Int {
        var txn: OpaquePointer?
        try LMDBStore.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "txn_begin(read)")
        defer { mdb_txn_abort(txn) }
        var stat = MDB_stat()
        try LMDBStore.check(mdb_stat(txn, dbis[table]!, &stat), "stat")
        return stat.ms_entries
    }

    /// Bytes in use in the data file (pages used × page size).
    public func usedBytes() -> Int {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        guard mdb_env_info(env, &info) == 0, mdb_env_stat(env, &stat) == 0 else { return 0 }
        return (info.me_last_pgno + 1) * Int(stat.ms_psize)
    }

    // MARK: Writes

    public func write(_ batch: [CacheWrite]) async throws {
        guard !batch.isEmpty else { return }
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            enqueue(batch) { error in
                if let error { done.resume(throwing: error) } else { done.resume() }
            }
        }
    }

    public func writeBlocking(_ batch: [CacheWrite]) throws {
        guard !batch.isEmpty else { return }
        let committed = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        enqueue(batch) { error in
            failure.withLock { $0 = error }
            committed.signal()
        }
        committed.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// The first waiter schedules a drain on the writer queue; later ones ride along in the same commit.
    private func enqueue(_ batch: [CacheWrite], done: @escaping @Sendable ((any Error)?) -> Void) {
        let first = pending.withLock { queue in
            queue.append((batch, done))
            return queue.count == 1
        }
        if first { writer.async { self.drain() } }
    }

    /// Commits everything queued in one transaction. If the whole group fails, each batch is
    /// retried alone so one bad batch cannot fail the others.
    private func drain() {
        let group = pending.withLock { queue in
            let taken = queue
            queue.removeAll()
            return taken
        }
        guard !group.isEmpty else { return }
        do {
            try commit(group.map(\.batch))
            for item in group { item.done(nil) }
        } catch {
            for item in group {
                do {
                    try commit([item.batch])
                    item.done(nil)
                } catch {
                    item.done(error)
                }
            }
        }
    }

    private func commit(_ batches: [[CacheWrite]]) throws {
        var txn: OpaquePointer?
        try LMDBStore.check(mdb_txn_begin(env, nil, 0, &txn), "txn_begin(write)")
        do {
            for batch in batches {
                for op in batch {
                    switch op {
                    case .put(let table, let key, let value):
                        try key.bytes.withUnsafeBytes { kraw in
                            try value.withUnsafeBytes { vraw in
                                var k = MDB_val(mv_size: kraw.count, mv_data: UnsafeMutableRawPointer(mutating: kraw.baseAddress))
                                var v = MDB_val(mv_size: vraw.count, mv_data: UnsafeMutableRawPointer(mutating: vraw.baseAddress))
                                try LMDBStore.check(mdb_put(txn, dbis[table]!, &k, &v, 0), "put")
                            }
                        }
                    case .delete(let table, let key):
                        try key.bytes.withUnsafeBytes { kraw in
                            var k = MDB_val(mv_size: kraw.count, mv_data: UnsafeMutableRawPointer(mutating: kraw.baseAddress))
                            let rc = mdb_del(txn, dbis[table]!, &k, nil)
                            if rc != MDB_NOTFOUND { try LMDBStore.check(rc, "del") }
                        }
                    }
                }
            }
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        // mdb_txn_commit frees the transaction even when it fails: no abort after it.
        try LMDBStore.check(mdb_txn_commit(txn), "txn_commit")
    }
}
