import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TollgateBase
import TollgateExactCache
import TollgateSemantic
import Tracing

/// The shared tier: several nodes share one cache through PostgreSQL, behind each node's LMDB.
///
/// - Read: on an LMDB miss the gateway asks `lookup` (one indexed query, with a deadline); a hit
///   is copied into LMDB and the semantic index.
/// - Write: the gateway commits a fresh answer to LMDB with a mark in the `outbox` table; a
///   writer task sends the outbox in batches, off the response path. Answers written while
///   PostgreSQL is down stay in the outbox (on disk, across restarts) and go when it returns.
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
    /// How long connecting (migration, LISTEN) may take before the tier counts as down.
    static let connectTimeout = Duration.seconds(5)
    /// Rows per write transaction (and per follower read).
    static let batch = 200

    private struct State {
        var available = false
        var instance: String?
        /// An answer was queued since the writer last looked.
        var dirty = false
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
        return await withSpan(StageSpan.sharedLookup, ofKind: .client) { span in
            let entry = await fetch(key: key, tenant: tenant, freshness: freshness)
            span.attributes[StageSpan.Key.hit] = entry != nil
            return entry
        }
    }

    private func fetch(key: CacheKey, tenant: String, freshness: Freshness) async -> CacheEntry? {
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

    /// The LMDB write that queues an answer for PostgreSQL; the gateway commits it together with
    /// the entry, so the queue survives a restart (and PostgreSQL being away meanwhile).
    public func outboxMark(_ key: CacheKey) -> CacheWrite { .put(.outbox, key, [1]) }

    /// Wakes the writer after an answer was queued.
    public func wake() {
        state.withLock { s in
            s.dirty = true
            let w = s.writerWake
            s.writerWake = nil
            return w
        }?.resume()
    }

    /// Before an upstream call: claims the key for this node, or — when another node's call for
    /// the same key is in flight — waits for its answer (up to `claimWait`). Returns that answer,
    /// or nil to go upstream.
    public func awaitOtherNode(key: CacheKey, tenant: String, freshness: Freshness) async -> CacheEntry? {
        guard available, following else { return nil }  // the wait ends on a followed fill
        do {
            let (store, node, seconds) = (self.store, self.node, Double(claimWait.components.seconds) + 1)
            if try await deadline(readTimeout, "claim", { try await store.claim(key: key, node: node, seconds: seconds) }) {
                // Claimed. Another node's answer may have landed (and its claim gone) since this
                // request's lookup: look once more before paying for an upstream call.
                if let entry = await lookup(key: key, tenant: tenant, freshness: freshness) {
                    release(key: key)
                    return entry
                }
                return nil
            }
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
                // postgres-nio's pool waits for a connection as long as it takes: every call
                // here has a deadline, so an unreachable server is noticed and reported.
                let store = self.store
                let instance = try await deadline(SharedTier.connectTimeout, "connect") { try await store.migrate() }
                state.withLock { $0.instance = instance }
                try await listen()
                backoff = .milliseconds(100)
            } catch {
                failed(error, "follow")
            }
            try? await Task.sleep(for: backoff)  // reconnect backoff
            backoff = min(backoff * 2, .seconds(2))
        }
    }

    /// LISTENs (the connection is also the liveness check, followed or not) until the connection
    /// ends; gives up when the LISTEN is not in place within `connectTimeout`.
    func listen() async throws {
        let listening = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await self.store.listen {
                    listening.set()
                    self.markAvailable()
                    if self.following { await self.follow() }
                }
            }
            group.addTask {
                try await Task.sleep(for: SharedTier.connectTimeout)
                if !listening.isSet { throw SharedTierError.timeout("listen") }
            }
            while try await group.next() != nil {}
        }
    }

    /// Copies every row after the cursor that another node wrote; advances the cursor.
    func follow() async {
        guard let instance = state.withLock({ $0.instance }) else { return }
        let cursorKey = CacheKey.hash("tollgate.shared.cursor.v1", "", instance, [])
        var cursor = (try? local.store.get(.meta, cursorKey)).flatMap { $0?.getInteger(at: 0, endianness: .little, as: Int64.self) } ?? 0
        do {
            while true {
                let store = self.store
                let after = cursor
                let rows = try await deadline(.seconds(10), "follow") { try await store.fills(after: after, limit: SharedTier.batch) }
                // Other nodes' answers of this page in one LMDB commit (a warm start copies
                // thousands), then their vectors into the index; tombstones one by one.
                var copies: [(SharedRow, SemanticPrompt?)] = []
                for row in rows where row.origin != node {
                    if row.purged {
                        await forget(row.key)
                    } else if let copy = copyable(row) {
                        copies.append(copy)
                    }
                }
                if let first = copies.first, await local.store(copies.flatMap(writes(for:)), key: first.0.key) {
                    for (row, prompt) in copies {
                        if let prompt { semantic?.index(prompt, key: row.key) }
                        waiters.fill(row.key)
                    }
                    Observability.shared("followed", count: copies.count)
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

    /// Sends the outbox in batches (entry and vector read back from LMDB); a key leaves the
    /// outbox once PostgreSQL has its row. On failure it stays and is retried after a pause.
    func writeLoop() async {
        while !Task.isCancelled {
            state.withLock { $0.dirty = false }
            var keys: [CacheKey] = []
            try? local.store.scan(.outbox) { key, _ in
                keys.append(key)
                return keys.count < SharedTier.batch
            }
            if keys.isEmpty {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { c in
                        let ready = state.withLock { s -> Bool in
                            if s.dirty || Task.isCancelled { return true }
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
            let rows = keys.compactMap(row(for:))  // keys evicted or purged meanwhile have no row
            do {
                let (store, node) = (self.store, self.node)
                if !rows.isEmpty {
                    try await deadline(.seconds(10), "write", { try await store.put(rows, origin: node) })
                    Observability.shared("written", count: rows.count)
                }
                try await local.store.write(keys.map { .delete(.outbox, $0) })
                markAvailable()
            } catch {
                failed(error, "write")
                try? await Task.sleep(for: .milliseconds(500))  // retry pause while PostgreSQL is away
            }
        }
    }

    /// The shared row of a locally stored answer: its entry and, if it has one, its prompt.
    func row(for key: CacheKey) -> SharedRow? {
        guard let bytes = try? local.store.get(.entries, key), let entry = CacheEntry(decoding: bytes) else { return nil }
        let created = Date(timeIntervalSince1970: Double(entry.createdMs) / 1000)
        var row = SharedRow(key: key, tenant: entry.tenant, entry: bytes, createdAt: created,
                            expiresAt: created.addingTimeInterval(Double(ttlSeconds)), semantic: semantic?.storedPrompt(key))
        row.embedder = semantic?.embedder.name
        return row
    }

    /// On shutdown: gives queued rows a last chance to reach PostgreSQL.
    func flush(within limit: Duration) async {
        let started = ContinuousClock.now
        while available, ContinuousClock.now - started < limit, ((try? local.store.count(.outbox)) ?? 0) > 0 {
            try? await Task.sleep(for: .milliseconds(20))  // the writer task is draining the outbox
        }
        let left = (try? local.store.count(.outbox)) ?? 0
        if left > 0 { logger.notice("shared tier: \(left) answers not yet in PostgreSQL; they stay queued in LMDB and go at the next start") }
    }

    /// Deletes expired rows once a minute (any node may; the statement is idempotent).
    func sweepLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(60))
            guard available else { continue }
            let store = self.store
            if let n = try? await deadline(.seconds(10), "sweep", { try await store.deleteExpired() }), n > 0 {
                logger.info("shared tier: removed \(n) expired entries")
            }
        }
    }

    // MARK: Helpers

    /// Copies a row into LMDB and, with its vector, into the semantic index; wakes waiters.
    func adopt(_ row: SharedRow) async {
        guard let copy = copyable(row), await local.store(writes(for: copy), key: row.key) else { return }
        if let prompt = copy.1 { semantic?.index(prompt, key: row.key) }
        waiters.fill(row.key)
    }

    /// A row this node can take, with the prompt to index (nil when the row has none, or when
    /// another embedder made its vector: that means nothing to this index).
    func copyable(_ row: SharedRow) -> (SharedRow, SemanticPrompt?)? {
        guard let entry = CacheEntry(decoding: row.entry), entry.tenant == row.tenant else { return nil }
        return (row, row.embedder == semantic?.embedder.name ? row.semantic : nil)
    }

    /// The LMDB writes that store a copied row: its entry and its vector row.
    func writes(for copy: (SharedRow, SemanticPrompt?)) -> [CacheWrite] {
        var w: [CacheWrite] = [.put(.entries, copy.0.key, Array(copy.0.entry.readableBytesView))]
        if let prompt = copy.1, let semantic { w.append(semantic.persist(prompt, key: copy.0.key)) }
        return w
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

/// A flag one task sets and another reads.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

extension SharedStore: CustomStringConvertible {
    public var description: String { url.description }
}
