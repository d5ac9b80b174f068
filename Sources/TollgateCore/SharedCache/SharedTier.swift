import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The shared tier: several nodes share one cache through PostgreSQL, behind each node's LMDB.
///
/// - Read: on an LMDB miss the gateway asks `lookup` (one indexed query, with a deadline); a hit
///   is copied into LMDB and the semantic index.
/// - Write: `publish` queues a fresh answer; a writer task sends queued rows in batches, off the
///   response path. Rows queued while PostgreSQL is down stay queued (bounded) and go when it
///   returns.
/// - Follow: one connection LISTENs for fills; each wake reads rows after the node's cursor
///   (kept in LMDB) and copies other nodes' entries and vectors into LMDB and the index.
/// - Faults never reach a client: while PostgreSQL is down the tier says so once, counts errors
///   in `tollgate_shared_errors_total`, and the gateway serves from LMDB and upstream.
public final class SharedTier: Service, Sendable {
    public let store: SharedStore
    /// This process's id in the `origin` column (its own rows are not copied back).
    public let node = UUID().uuidString
    let local: ExactCache
    let semantic: SemanticCache?
    let ttlSeconds: Int
    let logger: Logger
    /// How long a hot-path read may wait for PostgreSQL before it counts as a miss.
    let readTimeout: Duration
    /// How long a node waits for another node's identical upstream call.
    let claimWait: Duration
    /// Whether this node copies every other node's entries (see `GatewayConfig.Shared.follow`).
    let following: Bool
    /// Most rows kept queued while PostgreSQL is unreachable; beyond it the oldest are dropped.
    static let maxPending = 10_000
    static let batch = 200

    private struct State {
        var available = false
        var instance: String?
        var pending: [SharedRow] = []
        var writerWake: CheckedContinuation<Void, Never>?
        var lastError: String?
    }
    private let state = Mutex(State())
    let waiters = FillWaiters()

    public init(url: PostgresURL, local: ExactCache, semantic: SemanticCache?, ttlSeconds: Int, readTimeoutMs: Int = 250, claimWaitMs: Int = 10_000,
                follow: Bool = true, logger: Logger) throws {
        self.following = follow
        store = try SharedStore(url: url, logger: logger)
        self.local = local
        self.semantic = semantic
        self.ttlSeconds = ttlSeconds
        self.readTimeout = .milliseconds(readTimeoutMs)
        self.claimWait = .milliseconds(claimWaitMs)
        self.logger = logger
    }

    /// True while the tier is connected and answering.
    public var available: Bool { state.withLock { $0.available } }

    // MARK: Hot path

    /// The entry under `key` from PostgreSQL (LMDB missed); it is then copied into LMDB and the
    /// index in the background.
    /// Nil on a miss, while PostgreSQL is down, or when it does not answer within the deadline.
    public func lookup(key: CacheKey, tenant: String, freshness: Freshness) async -> CacheEntry? {
        guard available else { return nil }
        do {
            let store = self.store
            guard let row = try await deadline(readTimeout, "exact lookup", { try await store.fetch(key: key, tenant: tenant) }) else {
                Observability.shared("miss")
                return nil
            }
            guard let entry = CacheEntry(decoding: row.entry), entry.tenant == row.tenant,
                  freshness.accepts(ageMs: ExactCache.nowMs() - entry.createdMs) else { return nil }
            // The copy into LMDB and the index (an fsync) happens off the response path.
            Task { await self.adopt(row) }
            Observability.shared("hit")
            return entry
        } catch {
            failed(error, "read")
            return nil
        }
    }

    /// Queues a fresh answer for PostgreSQL; returns at once.
    public func publish(key: CacheKey, entry: CacheEntry, prompt: SemanticPrompt?) {
        let created = Date(timeIntervalSince1970: Double(entry.createdMs) / 1000)
        let row = SharedRow(key: key, tenant: entry.tenant, entry: ByteBuffer(bytes: entry.encoded()), createdAt: created,
                            expiresAt: created.addingTimeInterval(Double(ttlSeconds)), semantic: prompt)
        let (wake, dropped) = state.withLock { s -> (CheckedContinuation<Void, Never>?, Bool) in
            s.pending.append(row)
            let drop = s.pending.count > SharedTier.maxPending
            if drop { s.pending.removeFirst() }
            let w = s.writerWake
            s.writerWake = nil
            return (w, drop)
        }
        if dropped { Observability.shared("dropped") }
        wake?.resume()
    }

    /// Before an upstream call: claims the key for this node, or — when another node's call for
    /// the same key is in flight — waits for its answer (up to `claimWait`). Returns that answer,
    /// or nil to go upstream.
    public func awaitOtherNode(key: CacheKey, tenant: String, freshness: Freshness) async -> CacheEntry? {
        guard available, following else { return nil }  // the wait ends on a followed fill
        do {
            let (store, node, seconds) = (self.store, self.node, Double(claimWait.components.seconds) + 1)
            if try await deadline(readTimeout, "claim", { try await store.claim(key: key, node: node, seconds: seconds) }) { return nil }
        } catch {
            failed(error, "claim")
            return nil
        }
        Observability.shared("waited")
        if await waiters.wait(for: key, timeout: claimWait), let entry = local.lookup(key, freshness: freshness) { return entry }
        return await lookup(key: key, tenant: tenant, freshness: freshness)
    }

    /// Gives up this node's claim after a failed upstream call, so waiting nodes go on at once.
    public func release(key: CacheKey) {
        guard available else { return }
        let (store, node) = (self.store, self.node)
        Task { try? await store.release(key: key, node: node) }
    }

    /// Purges keys on every node (admin purge): tombstones in the fill sequence; errors are logged.
    public func purge(keys: [CacheKey]) async {
        guard !keys.isEmpty else { return }
        do { try await store.purge(keys: keys, origin: node) } catch { failed(error, "purge") }
    }

    // MARK: Service

    /// Runs the pool, the follower, the writer and the expiry sweep until shutdown.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.store.run() }
            group.addTask { await self.followLoop() }
            group.addTask { await self.writeLoop() }
            group.addTask { await self.sweepLoop() }
            try? await gracefulShutdown()
            await flush(within: .seconds(3))
            group.cancelAll()
        }
    }

    /// Connects, migrates, LISTENs and follows; on any failure marks the tier down and retries.
    func followLoop() async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                let instance = try await store.migrate()
                state.withLock { $0.instance = instance }
                // The LISTEN connection is also the liveness check, followed or not.
                try await store.listen {
                    self.markAvailable()
                    if self.following { await self.follow() }
                }
                backoff = .milliseconds(100)
            } catch {
                failed(error, "follow")
            }
            try? await Task.sleep(for: backoff)  // reconnect backoff
            backoff = min(backoff * 2, .seconds(2))
        }
    }

    /// Copies every row after the cursor that another node wrote; advances the cursor.
    func follow() async {
        guard let instance = state.withLock({ $0.instance }) else { return }
        let cursorKey = CacheKey.hash("tollgate.shared.cursor.v1", "", instance, [])
        var cursor = (try? local.store.get(.meta, cursorKey)).flatMap { $0?.getInteger(at: 0, endianness: .little, as: Int64.self) } ?? 0
        do {
            while true {
                let rows = try await store.fills(after: cursor, limit: SharedTier.batch)
                for row in rows where row.origin != node {
                    if row.purged {
                        await forget(row.key)
                    } else if await adopt(row) != nil {
                        Observability.shared("followed")
                    }
                }
                guard let last = rows.last?.seq else { break }
                cursor = last
                var b = ByteBuffer()
                b.writeInteger(cursor, endianness: .little)
                try? await local.store.write([.put(.meta, cursorKey, Array(b.readableBytesView))])
                if rows.count < SharedTier.batch { break }
            }
        } catch {
            failed(error, "follow")
        }
    }

    /// Sends queued rows in batches; on failure keeps them and retries after a pause.
    func writeLoop() async {
        while !Task.isCancelled {
            let rows = state.withLock { s -> [SharedRow] in
                let n = min(s.pending.count, SharedTier.batch)
                let rows = Array(s.pending.prefix(n))
                s.pending.removeFirst(n)
                return rows
            }
            if rows.isEmpty {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { c in
                        let ready = state.withLock { s -> Bool in
                            if !s.pending.isEmpty || Task.isCancelled { return true }
                            s.writerWake = c
                            return false
                        }
                        if ready { c.resume() }
                    }
                } onCancel: {
                    state.withLock { s in
                        let w = s.writerWake
                        s.writerWake = nil
                        return w
                    }?.resume()
                }
                continue
            }
            do {
                let (store, node) = (self.store, self.node)
                try await deadline(.seconds(10), "write", { try await store.put(rows, origin: node) })
                Observability.shared("written", count: rows.count)
                markAvailable()
            } catch {
                failed(error, "write")
                state.withLock { $0.pending.insert(contentsOf: rows, at: 0) }
                try? await Task.sleep(for: .milliseconds(500))  // retry pause while PostgreSQL is away
            }
        }
    }

    /// On shutdown: gives queued rows a last chance to reach PostgreSQL.
    func flush(within limit: Duration) async {
        let started = ContinuousClock.now
        while available, ContinuousClock.now - started < limit, state.withLock({ !$0.pending.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(20))  // the writer task is draining the queue
        }
        let left = state.withLock { $0.pending.count }
        if left > 0 { logger.warning("shared tier: \(left) answers not written to PostgreSQL at shutdown (they stay in this node's LMDB)") }
    }

    /// Deletes expired rows once a minute (any node may; the statement is idempotent).
    func sweepLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(60))
            guard available else { continue }
            if let n = try? await store.deleteExpired(), n > 0 { logger.info("shared tier: removed \(n) expired entries") }
        }
    }

    // MARK: Helpers

    /// Copies a row into LMDB and, with its vector, into the semantic index; wakes waiters.
    @discardableResult
    func adopt(_ row: SharedRow) async -> CacheEntry? {
        guard let entry = CacheEntry(decoding: row.entry), entry.tenant == row.tenant else { return nil }
        if await local.store(entry, key: row.key, alias: nil), let semantic, let prompt = row.semantic, prompt.vector.count == semantic.index.dimension {
            await semantic.add(prompt, key: row.key)
        }
        waiters.fill(row.key)
        return entry
    }

    /// Deletes a purged key's local copy: vector (index and table), entry and aliases.
    func forget(_ key: CacheKey) async {
        try? await semantic?.remove([key])
        try? await local.remove([key])
    }

    func markAvailable() {
        let was = state.withLock { s -> Bool in
            let was = s.available
            s.available = true
            s.lastError = nil
            return was
        }
        if !was {
            logger.notice("shared tier: connected to PostgreSQL \(store.description)")
            Observability.sharedUp(true)
        }
    }

    func failed(_ error: any Error, _ what: String) {
        Observability.shared("error")
        let message = "\(String(reflecting: error))".prefix(300)
        let first = state.withLock { s -> Bool in
            let first = s.available || s.lastError == nil
            s.available = false
            s.lastError = String(message)
            return first
        }
        Observability.sharedUp(false)
        if first {
            logger.warning("shared tier: PostgreSQL unavailable (\(what)); serving from LMDB and upstream until it returns", metadata: ["error": "\(message)"])
        }
    }
}

extension SharedStore: CustomStringConvertible {
    public var description: String { url.description }
}
