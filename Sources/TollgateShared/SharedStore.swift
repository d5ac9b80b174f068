import Foundation
import Logging
import NIOCore
import PostgresNIO
import TollgateBase
import TollgateExactCache
import TollgateSemantic

/// One cache entry as the shared tier keeps it: the exact key, its tenant, the stored answer
/// (`CacheEntry` bytes, the same as in LMDB) and, when the request went through the semantic
/// layer, its namespace, prompt text and vector.
public struct SharedRow: Sendable {
    public var key: CacheKey
    public var tenant: String
    public var entry: ByteBuffer
    public var createdAt: Date
    public var expiresAt: Date
    public var semantic: SemanticPrompt?
    /// The embedder that made the vector (nodes with another embedder ignore the vector).
    public var embedder: String?
    /// The fill sequence number (0 until written).
    public var seq: Int64 = 0
    /// The node that wrote it.
    public var origin: String = ""
    /// A tombstone: the entry was purged; followers delete their copies.
    public var purged = false

    public init(key: CacheKey, tenant: String, entry: ByteBuffer, createdAt: Date, expiresAt: Date, semantic: SemanticPrompt?) {
        self.key = key
        self.tenant = tenant
        self.entry = entry
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.semantic = semantic
    }
}

/// The thin Swift type over PostgreSQL (postgres-nio's pooled `PostgresClient`): the schema,
/// and one method per statement. Every value goes in as a bind parameter.
///
/// Schema: `tollgate_entries` (one row per exact key) and the fill sequence `tollgate_fill_seq`.
/// Each write stamps its row with the sequence's next value while holding a transaction-level
/// advisory lock, so rows commit in sequence order and a follower that reads `seq > cursor`
/// never skips a row that commits late.
public final class SharedStore: Sendable {
    let client: PostgresClient
    let url: PostgresURL
    let logger: Logger
    /// The NOTIFY channel that wakes followers.
    static let channel = "tollgate_fill"
    /// Advisory lock ids: schema migration and the fill order.
    static let migrationLock: Int64 = 0x746f_6c6c_6d69_6731  // "tollmig1"
    static let fillLock: Int64 = 0x746f_6c6c_6669_6c6c  // "tollfill"

    public init(url: PostgresURL, logger: Logger) throws {
        client = PostgresClient(configuration: try url.clientConfiguration(), backgroundLogger: logger)
        self.url = url
        self.logger = logger
    }

    /// Runs the connection pool until cancelled (a swift-service-lifecycle service's body).
    func run() async { await client.run() }

    /// Creates the tables if they are missing (serialised across nodes by an advisory lock) and
    /// returns this database's identity (a random id made once), which names the local cursor.
    func migrate() async throws -> String {
        try await client.withTransaction(logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(SharedStore.migrationLock))", logger: logger)
            try await c.query("CREATE SEQUENCE IF NOT EXISTS tollgate_fill_seq", logger: logger)
            try await c.query("""
                CREATE TABLE IF NOT EXISTS tollgate_entries (
                  key bytea PRIMARY KEY, tenant text NOT NULL, entry bytea NOT NULL,
                  namespace bytea, prompt text, vector bytea,
                  created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL,
                  origin text NOT NULL, seq bigint NOT NULL, purged boolean NOT NULL DEFAULT false)
                """, logger: logger)
            try await c.query("ALTER TABLE tollgate_entries ADD COLUMN IF NOT EXISTS purged boolean NOT NULL DEFAULT false", logger: logger)
            try await c.query("ALTER TABLE tollgate_entries ADD COLUMN IF NOT EXISTS embedder text", logger: logger)
            try await c.query("CREATE INDEX IF NOT EXISTS tollgate_entries_seq ON tollgate_entries (seq)", logger: logger)
            try await c.query("CREATE INDEX IF NOT EXISTS tollgate_entries_expires ON tollgate_entries (expires_at)", logger: logger)
            try await c.query("CREATE TABLE IF NOT EXISTS tollgate_meta (name text PRIMARY KEY, value text NOT NULL)", logger: logger)
            try await c.query("CREATE TABLE IF NOT EXISTS tollgate_claims (key bytea PRIMARY KEY, node text NOT NULL, until timestamptz NOT NULL)", logger: logger)
            try await c.query("INSERT INTO tollgate_meta VALUES ('instance', gen_random_uuid()::text) ON CONFLICT DO NOTHING", logger: logger)
            for try await id in try await c.query("SELECT value FROM tollgate_meta WHERE name = 'instance'", logger: logger).decode(String.self) {
                return id
            }
            throw SharedTierError.unavailable
        }
    }

    /// The live entry under `key` for `tenant` (both must match), or nil. A prepared statement:
    /// this is the one query on the request path.
    func fetch(key: CacheKey, tenant: String) async throws -> SharedRow? {
        for try await row in try await client.execute(FetchEntry(key: ByteBuffer(bytes: key.bytes), tenant: tenant), logger: logger) { return row }
        return nil
    }

    /// `fetch`'s statement, prepared once per connection.
    struct FetchEntry: PostgresPreparedStatement {
        static let sql = """
            SELECT key, tenant, entry, namespace, prompt, vector, created_at, expires_at, origin, seq, purged, embedder FROM tollgate_entries
            WHERE key = $1 AND tenant = $2 AND expires_at > now() AND NOT purged
            """
        typealias Row = SharedRow
        var key: ByteBuffer
        var tenant: String

        func makeBindings() throws -> PostgresBindings {
            var b = PostgresBindings()
            b.append(key)
            b.append(tenant)
            return b
        }

        func decodeRow(_ row: PostgresRow) throws -> SharedRow { try SharedStore.decode(row) }
    }

    /// Writes rows (insert or replace) in one transaction in fill order, then wakes followers.
    /// Returns the highest sequence number written.
    @discardableResult
    func put(_ rows: [SharedRow], origin: String) async throws -> Int64 {
        guard !rows.isEmpty else { return 0 }
        return try await client.withTransaction(logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(SharedStore.fillLock))", logger: logger)
            var last: Int64 = 0
            for r in rows {
                let ns = r.semantic.map { ByteBuffer(bytes: $0.namespace.bytes) }
                let vector = r.semantic.map { SharedStore.encode($0.vector) }
                let seqs = try await c.query("""
                    INSERT INTO tollgate_entries (key, tenant, entry, namespace, prompt, vector, embedder, created_at, expires_at, origin, seq)
                    VALUES (\(ByteBuffer(bytes: r.key.bytes)), \(r.tenant), \(r.entry), \(ns), \(r.semantic?.text), \(vector), \(r.semantic == nil ? nil : r.embedder),
                            \(r.createdAt), \(r.expiresAt), \(origin), nextval('tollgate_fill_seq'))
                    ON CONFLICT (key) DO UPDATE SET tenant = EXCLUDED.tenant, entry = EXCLUDED.entry, namespace = EXCLUDED.namespace,
                      prompt = EXCLUDED.prompt, vector = EXCLUDED.vector, embedder = EXCLUDED.embedder, created_at = EXCLUDED.created_at,
                      expires_at = EXCLUDED.expires_at, origin = EXCLUDED.origin, seq = EXCLUDED.seq, purged = false
                    RETURNING seq
                    """, logger: logger)
                for try await s in seqs.decode(Int64.self) { last = s }
                try await c.query("DELETE FROM tollgate_claims WHERE key = \(ByteBuffer(bytes: r.key.bytes))", logger: logger)
            }
            try await c.query("SELECT pg_notify(\(SharedStore.channel), \(String(last)))", logger: logger)
            return last
        }
    }

    /// Live rows written after `cursor`, in sequence order.
    func fills(after cursor: Int64, limit: Int) async throws -> [SharedRow] {
        let rows = try await client.query("""
            SELECT key, tenant, entry, namespace, prompt, vector, created_at, expires_at, origin, seq, purged, embedder FROM tollgate_entries
            WHERE seq > \(cursor) AND expires_at > now() ORDER BY seq LIMIT \(limit)
            """, logger: logger)
        var out: [SharedRow] = []
        for try await row in rows { out.append(try SharedStore.decode(row)) }
        return out
    }

    /// Deletes expired rows (and stale claims); returns how many entries went.
    func deleteExpired() async throws -> Int {
        try await client.query("DELETE FROM tollgate_claims WHERE until < now()", logger: logger)
        var n = 0
        for try await c in try await client.query("WITH gone AS (DELETE FROM tollgate_entries WHERE expires_at <= now() RETURNING 1) SELECT count(*)::bigint FROM gone",
                                                  logger: logger).decode(Int64.self) {
            n = Int(c)
        }
        return n
    }

    /// Purges keys (an admin purge): each row becomes a tombstone with the next fill number, so
    /// every follower deletes its own copy; the expiry sweep removes tombstones later.
    func purge(keys: [CacheKey], origin: String) async throws {
        guard !keys.isEmpty else { return }
        try await client.withTransaction(logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(SharedStore.fillLock))", logger: logger)
            var last: Int64 = 0
            for key in keys {
                let seqs = try await c.query("""
                    UPDATE tollgate_entries SET purged = true, entry = ''::bytea, namespace = NULL, prompt = NULL, vector = NULL, embedder = NULL,
                      origin = \(origin), seq = nextval('tollgate_fill_seq')
                    WHERE key = \(ByteBuffer(bytes: key.bytes)) RETURNING seq
                    """, logger: logger)
                for try await s in seqs.decode(Int64.self) { last = s }
            }
            if last > 0 { try await c.query("SELECT pg_notify(\(SharedStore.channel), \(String(last)))", logger: logger) }
        }
    }

    /// Claims the upstream call for `key` for `seconds` unless another node holds a live claim.
    /// Returns true when this node may call upstream.
    func claim(key: CacheKey, node: String, seconds: Double) async throws -> Bool {
        let rows = try await client.query("""
            INSERT INTO tollgate_claims (key, node, until) VALUES (\(ByteBuffer(bytes: key.bytes)), \(node), now() + make_interval(secs => \(seconds)))
            ON CONFLICT (key) DO UPDATE SET node = EXCLUDED.node, until = EXCLUDED.until WHERE tollgate_claims.until < now()
            RETURNING node
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Releases this node's claim on `key`.
    func release(key: CacheKey, node: String) async throws {
        try await client.query("DELETE FROM tollgate_claims WHERE key = \(ByteBuffer(bytes: key.bytes)) AND node = \(node)", logger: logger)
    }

    /// Holds one connection that LISTENs on the fill channel and calls `wake` for each
    /// notification; returns (or throws) when the connection ends.
    func listen(_ wake: @Sendable () async -> Void) async throws {
        try await client.withConnection { c in
            try await c.listen(on: SharedStore.channel) { notifications in
                await wake()  // catch up on what was written before LISTEN took effect
                for try await _ in notifications { await wake() }
            }
        }
    }

    // MARK: Encoding

    static func encode(_ vector: [Float]) -> ByteBuffer {
        var b = ByteBuffer()
        b.reserveCapacity(vector.count * 4)
        for x in vector { b.writeInteger(x.bitPattern, endianness: .little) }
        return b
    }

    static func decodeVector(_ buffer: ByteBuffer) -> [Float] {
        var b = buffer
        var v: [Float] = []
        v.reserveCapacity(b.readableBytes / 4)
        while let bits = b.readInteger(endianness: .little, as: UInt32.self) { v.append(Float(bitPattern: bits)) }
        return v
    }

    static func decode(_ row: PostgresRow) throws -> SharedRow {
        let (key, tenant, entry, ns, prompt, vector, created, expires, origin, seq, purged, embedder) =
            try row.decode((ByteBuffer, String, ByteBuffer, ByteBuffer?, String?, ByteBuffer?, Date, Date, String, Int64, Bool, String?).self)
        var semantic: SemanticPrompt?
        if let ns, let prompt, let vector, ns.readableBytes == 32 {
            semantic = SemanticPrompt(namespace: CacheKey(bytes: Array(ns.readableBytesView)), text: prompt, vector: decodeVector(vector))
        }
        var r = SharedRow(key: CacheKey(bytes: Array(key.readableBytesView)), tenant: tenant, entry: entry, createdAt: created, expiresAt: expires, semantic: semantic)
        r.seq = seq
        r.origin = origin
        r.purged = purged
        r.embedder = embedder
        return r
    }
}
