import Foundation
import Testing
import TollgateCore

/// A real PostgreSQL cluster in a temporary folder (`scripts/pg.sh`: initdb + pg_ctl on a free
/// loopback port, as the `postgres` user when the tests run as root). Stopped at deinit.
final class PostgresCluster: @unchecked Sendable {
    static let script: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("scripts/pg.sh").path
    }()

    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-pg-\(UUID().uuidString)").path
    private(set) var url = ""

    init() throws { try start() }

    func start() throws { url = try PostgresCluster.run(["start", dir]).trimmingCharacters(in: .whitespacesAndNewlines) }
    func stop() throws { _ = try PostgresCluster.run(["stop", dir]) }

    var password: String { (try? String(contentsOfFile: dir + "/password", encoding: .utf8)) ?? "?" }

    /// Runs one SQL statement with psql; returns its unaligned output.
    func psql(_ sql: String) throws -> String {
        let port = try String(contentsOfFile: dir + "/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", "-h", "127.0.0.1", "-p", port, "-U", "tollgate", "-d", "tollgate", "-Atqc", sql]
        p.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password]) { $1 }
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw HarnessError(description: "psql failed: \(sql)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs pg.sh with its output in files: the server it starts keeps inherited pipes open,
    /// so reading a pipe to its end would never finish.
    static func run(_ args: [String]) throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pg-sh-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: base + ".out", contents: nil)
        FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script] + args
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        p.standardError = FileHandle(forWritingAtPath: base + ".err")
        try p.run()
        p.waitUntilExit()
        let text = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        guard p.terminationStatus == 0 else {
            throw HarnessError(description: "pg.sh \(args.joined(separator: " ")) failed: \((try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")")
        }
        return text
    }

    deinit {
        try? stop()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// Two or three gateway nodes, one PostgreSQL, one mock provider: the shared tier end to end.
@Suite("Live shared tier (PostgreSQL)")
struct SharedTierLiveTests {
    /// A node's config: semantic layer on, the shared tier's URL in `env`.
    func nodeConfig(env: String, mock: TollgateProcess, extra: String = "") -> String {
        "cache: { ttl_seconds: 86400, semantic: { enabled: true, embedder: minilm, model_dir: \(modelDirectory) }, shared: { kind: postgres, url_env: \(env) } }\n"
            + extra + "providers:\n" + providerYAML("budget", port: mock.port)
    }

    /// Starts a node against `pg` (the URL reaches it through the environment variable `env`).
    func node(_ pg: PostgresCluster, env: String, mock: TollgateProcess, extra: String = "", dataDir: String? = nil) async throws -> TollgateProcess {
        try await nodeAndDir(pg, env: env, mock: mock, extra: extra, dataDir: dataDir).0
    }

    func nodeAndDir(_ pg: PostgresCluster, env: String, mock: TollgateProcess, extra: String = "", dataDir: String? = nil) async throws -> (TollgateProcess, String) {
        setenv(env, pg.url, 1)
        return try await startGateway(config: nodeConfig(env: env, mock: mock, extra: extra), dataDir: dataDir, extra: ["--log-level", "debug"])
    }

    func stats(_ node: TollgateProcess, _ field: String) async throws -> Int {
        let s = try await get(node.url + "/admin/stats").json
        if field == "semantic_vectors" { return s?["semantic_vectors"]?.intValue ?? -1 }
        return s?["total"]?[field]?.intValue ?? -1
    }

    /// [entries, semantic vectors] of a node.
    func counts(_ node: TollgateProcess) async throws -> [Int] {
        [try await stats(node, "entries"), try await stats(node, "semantic_vectors")]
    }

    @Test func anAnswerPaidForOnNodeAIsFreeOnNodeB() async throws {
        let pg = try PostgresCluster()
        let mock = try await startMock()
        let a = try await node(pg, env: "TG_PG_SHARE", mock: mock)
        let b = try await node(pg, env: "TG_PG_SHARE", mock: mock)
        let q = chatBody("What is the boiling point of water at sea level?")
        let first = try await post(a.url + "/v1/chat/completions", q)
        #expect(first.status == 200 && first.cache == "miss")
        // The write to PostgreSQL is off A's response path: wait (with a deadline) until it is there.
        #expect(try await eventually { try pg.psql("SELECT count(*) FROM tollgate_entries") == "1" })
        let onB = try await post(b.url + "/v1/chat/completions", q)
        #expect(onB.cache == "hit", "node B serves node A's answer: \(onB.headers)")
        #expect(onB.content == first.content)
        #expect(onB.headers["x-tollgate-cost-usd"] == "0.000000")
        #expect(onB.headers["x-tollgate-saved-usd"] == first.headers["x-tollgate-cost-usd"])
        #expect(try await upstreamCalls(mock) == 1)

        // A prompt B has never seen: B follows the fill sequence, then a paraphrase is a semantic hit.
        let second = try await post(a.url + "/v1/chat/completions", chatBody("How many moons does Mars have?"))
        #expect(second.cache == "miss")
        #expect(try await eventually(within: .seconds(10)) { try await stats(b, "semantic_vectors") >= 2 }, "B adds A's vector to its index")
        let paraphrase = try await post(b.url + "/v1/chat/completions", chatBody("How many moons does the planet Mars have?"))
        #expect(paraphrase.cache == "semantic-hit", "\(paraphrase.headers)")
        #expect(paraphrase.content == second.content)
        #expect(try await upstreamCalls(mock) == 2)
        #expect(try pg.psql("SELECT count(*) FROM tollgate_entries") == "2")
        #expect(!a.log.contains(pg.password) && !b.log.contains(pg.password), "the URL's password never reaches the log")
    }

    @Test func nodesKeepServingWhilePostgresIsDownAndCatchUpAfter() async throws {
        let pg = try PostgresCluster()
        let mock = try await startMock()
        let a = try await node(pg, env: "TG_PG_OUTAGE", mock: mock)
        let b = try await node(pg, env: "TG_PG_OUTAGE", mock: mock)
        #expect(try await post(a.url + "/v1/chat/completions", chatBody("Name a prime number above 100")).cache == "miss")
        #expect(try await eventually { try await stats(b, "entries") == 1 })

        try pg.stop()
        let x = try await post(a.url + "/v1/chat/completions", chatBody("Why is the sky blue?"))
        #expect(x.status == 200 && x.cache == "miss", "a miss still goes upstream: \(x.text)")
        #expect(try await post(a.url + "/v1/chat/completions", chatBody("Why is the sky blue?")).cache == "hit", "LMDB still serves hits")
        let y = try await post(b.url + "/v1/chat/completions", chatBody("What is the tallest mountain on Earth?"))
        #expect(y.status == 200 && y.cache == "miss")
        #expect(try await post(b.url + "/v1/chat/completions", chatBody("Name a prime number above 100")).cache == "hit")
        let metrics = try await get(a.url + "/metrics").text
        #expect(metrics.contains("tollgate_shared_up 0"), "the outage shows in /metrics")
        #expect(metrics.contains("tollgate_shared_outbox 1"), "with the answer waiting for PostgreSQL")

        try pg.start()
        #expect(try await eventually(within: .seconds(20)) {
            let (ea, eb) = (try await stats(a, "entries"), try await stats(b, "entries"))
            return ea == 3 && eb == 3
        },
                "entries written during the outage reach the other node")
        #expect(try await post(b.url + "/v1/chat/completions", chatBody("Why is the sky blue?")).cache == "hit")
        #expect(try await post(a.url + "/v1/chat/completions", chatBody("What is the tallest mountain on Earth?")).cache == "hit")
        #expect(try await upstreamCalls(mock) == 3)
        #expect(a.log.contains("PostgreSQL unavailable"), "the outage is logged as a warning")
    }

    @Test func answersWrittenDuringAnOutageSurviveARestart() async throws {
        let pg = try PostgresCluster()
        let mock = try await startMock()
        let (a, dir) = try await nodeAndDir(pg, env: "TG_PG_OUTBOX", mock: mock)
        let b = try await node(pg, env: "TG_PG_OUTBOX", mock: mock)
        try pg.stop()
        #expect(try await post(a.url + "/v1/chat/completions", chatBody("What does a barometer measure?")).cache == "miss")
        a.stop()
        #expect(a.log.contains("not yet in PostgreSQL"), "the unsent answer is reported at shutdown")
        try pg.start()
        let again = try await node(pg, env: "TG_PG_OUTBOX", mock: mock, dataDir: dir)
        #expect(try await eventually(within: .seconds(20)) { try await stats(b, "entries") == 1 }, "the outbox in A's LMDB reaches B after A's restart")
        #expect(try await post(b.url + "/v1/chat/completions", chatBody("What does a barometer measure?")).cache == "hit")
        #expect(try await upstreamCalls(mock) == 1)
        again.stop()
    }

    @Test func aNodeStartedWhilePostgresIsDownServesJoinsLaterAndStopsPromptly() async throws {
        let pg = try PostgresCluster()
        let mock = try await startMock()
        try pg.stop()
        let a = try await node(pg, env: "TG_PG_LATE", mock: mock)
        #expect(try await post(a.url + "/v1/chat/completions", chatBody("How long is a marathon?")).cache == "miss")
        #expect(try await post(a.url + "/v1/chat/completions", chatBody("How long is a marathon?")).cache == "hit")
        #expect(try await eventually { a.log.contains("PostgreSQL unavailable") }, "the node says PostgreSQL is away")
        try pg.start()
        #expect(try await eventually(within: .seconds(20)) { (try? pg.psql("SELECT count(*) FROM tollgate_entries")) == "1" },
                "once PostgreSQL is up the node connects and sends what it stored meanwhile")
        try pg.stop()
        let started = ContinuousClock.now
        a.stop()
        #expect(ContinuousClock.now - started < .seconds(10), "SIGTERM ends the node promptly even with PostgreSQL gone")
    }

    @Test func tenantsStayApartAcrossNodes() async throws {
        let pg = try PostgresCluster()
        let mock = try await startMock()
        setenv("TG_PG_TENANT_A", "shared-key-a", 1)
        setenv("TG_PG_TENANT_B", "shared-key-b", 1)
        let keys = "keys:\n  - { key_env: TG_PG_TENANT_A, tenant: a }\n  - { key_env: TG_PG_TENANT_B, tenant: b }\n  - { key_env: TG_PG_TENANT_OPS, tenant: ops, admin: true }\n"
        setenv("TG_PG_TENANT_OPS", "shared-key-ops", 1)
        let n1 = try await node(pg, env: "TG_PG_TENANT", mock: mock, extra: keys)
        let n2 = try await node(pg, env: "TG_PG_TENANT", mock: mock, extra: keys)
        let ka = [("Authorization", "Bearer shared-key-a")]
        let kb = [("Authorization", "Bearer shared-key-b")]
        let q = chatBody("What is the capital of Canada?")
        #expect(try await post(n1.url + "/v1/chat/completions", q, headers: ka).cache == "miss")
        #expect(try await eventually {
            try await get(n2.url + "/admin/stats", headers: [("Authorization", "Bearer shared-key-ops")]).json?["semantic_vectors"]?.intValue == 1
        }, "n2 has followed a's entry")
        #expect(try await post(n2.url + "/v1/chat/completions", q, headers: kb).cache == "miss", "tenant b never gets a's answer on another node")
        #expect(try await post(n2.url + "/v1/chat/completions", chatBody("What's the capital city of Canada?"), headers: kb).cache == "semantic-hit",
                "b's paraphrase meets b's own entry (the previous line stored it), never a's")
        #expect(try await post(n2.url + "/v1/chat/completions", q, headers: ka).cache == "hit", "a gets its own answer on n2")
        #expect(try await upstreamCalls(mock) == 2)
        #expect(try pg.psql("SELECT count(DISTINCT tenant) FROM tollgate_entries") == "2")
    }

    @Test func entriesExpireInTheSharedLayer() async throws {
        let pg = try PostgresCluster()
        let mock = try await startMock()
        let a = try await node(pg, env: "TG_PG_TTL", mock: mock, extra: "")
        let q = chatBody("Spell the word necessary backwards")
        #expect(try await post(a.url + "/v1/chat/completions", q).cache == "miss")
        #expect(try await eventually { try pg.psql("SELECT count(*) FROM tollgate_entries") == "1" })
        // Age the shared row past its expiry (as time would), then a node started empty must not serve it.
        _ = try pg.psql("UPDATE tollgate_entries SET expires_at = now() - interval '1 second'")
        let c = try await node(pg, env: "TG_PG_TTL", mock: mock)
        let onC = try await post(c.url + "/v1/chat/completions", q)
        #expect(onC.cache == "miss", "an expired shared entry is never served")
        #expect(try await upstreamCalls(mock) == 2)
    }

    @Test func aShortTTLHoldsOnEveryNode() async throws {
        let pg = try PostgresCluster()
        let mock = try await startMock()
        func short(_ env: String) -> String {
            "cache: { ttl_seconds: 1, semantic: { enabled: false }, shared: { kind: postgres, url_env: \(env) } }\nproviders:\n" + providerYAML("budget", port: mock.port)
        }
        setenv("TG_PG_SHORT", pg.url, 1)
        let (a, _) = try await startGateway(config: short("TG_PG_SHORT"))
        let (b, _) = try await startGateway(config: short("TG_PG_SHORT"))
        let q = chatBody("Count the vowels in banana")
        #expect(try await post(a.url + "/v1/chat/completions", q).cache == "miss")
        #expect(try await eventually { try pg.psql("SELECT count(*) FROM tollgate_entries") == "1" }, "the answer reached PostgreSQL")
        #expect(try await eventually { try await stats(b, "entries") == 1 }, "and node B")
        // Wait (with a deadline) until the row's own expiry time has passed in PostgreSQL.
        #expect(try await eventually(within: .seconds(10)) { try pg.psql("SELECT count(*) FROM tollgate_entries WHERE expires_at > now()") == "0" })
        #expect(try await post(b.url + "/v1/chat/completions", q).cache == "miss", "expired on the node that did not write it")
        #expect(try await upstreamCalls(mock) == 2)
    }

    @Test func aNodeStartedEmptyServesTheSharedEntries() async throws {
        let pg = try PostgresCluster()
        let mock = try await startMock()
        let a = try await node(pg, env: "TG_PG_WARM", mock: mock)
        #expect(try await post(a.url + "/v1/chat/completions", chatBody("Who wrote Pride and Prejudice?")).cache == "miss")
        #expect(try await post(a.url + "/v1/chat/completions", chatBody("What is the speed of light in vacuum?")).cache == "miss")
        #expect(try await eventually { try pg.psql("SELECT count(*) FROM tollgate_entries") == "2" })
        a.stop()
        let fresh = try await node(pg, env: "TG_PG_WARM", mock: mock)
        #expect(try await eventually { try await stats(fresh, "semantic_vectors") == 2 }, "the warm start loads every shared vector")
        #expect(try await post(fresh.url + "/v1/chat/completions", chatBody("Who wrote Pride and Prejudice?")).cache == "hit")
        #expect(try await post(fresh.url + "/v1/chat/completions", chatBody("What's the speed of light in a vacuum?")).cache == "semantic-hit")
        #expect(try await upstreamCalls(mock) == 2)
    }

    @Test func concurrentIdenticalMissesOnTwoNodesMakeOneUpstreamCall() async throws {
        let pg = try PostgresCluster()
        let mock = try await startMock(["--latency-ms", "400"])
        let a = try await node(pg, env: "TG_PG_FLIGHT", mock: mock)
        let b = try await node(pg, env: "TG_PG_FLIGHT", mock: mock)
        let q = chatBody("List three primary colours")
        async let ra = post(a.url + "/v1/chat/completions", q)
        async let rb = post(b.url + "/v1/chat/completions", q)
        let (x, y) = try await (ra, rb)
        #expect(x.status == 200 && y.status == 200)
        #expect(Set([x.cache, y.cache]) == Set(["miss", "hit"]), "\(x.cache ?? "-") / \(y.cache ?? "-")")
        #expect(x.content == y.content)
        #expect(try await upstreamCalls(mock) == 1)
    }

    @Test func aPurgeOnOneNodeReachesEveryNode() async throws {
        let pg = try PostgresCluster()
        let mock = try await startMock()
        let a = try await node(pg, env: "TG_PG_PURGE", mock: mock)
        let b = try await node(pg, env: "TG_PG_PURGE", mock: mock)
        let q = chatBody("Which river flows through Vienna?")
        #expect(try await post(a.url + "/v1/chat/completions", q).cache == "miss")
        #expect(try await eventually { try await counts(b) == [1, 1] })
        #expect(try await post(a.url + "/admin/cache/purge", #"{"all":true}"#).json?["purged"]?.intValue == 1)
        #expect(try await eventually { try await counts(b) == [0, 0] }, "B drops its copy")
        #expect(try await post(b.url + "/v1/chat/completions", chatBody("Which river runs through Vienna?"), headers: [("Cache-Control", "no-store")]).cache == "miss",
                "no semantic hit on a purged entry")
        #expect(try await post(b.url + "/v1/chat/completions", q).cache == "miss", "nor an exact one, from LMDB or PostgreSQL")
        #expect(try await upstreamCalls(mock) == 3)
    }

    @Test func aNodeWithAnotherEmbedderTakesTheAnswersButNotTheVectors() async throws {
        let pg = try PostgresCluster()
        let mock = try await startMock()
        let a = try await node(pg, env: "TG_PG_EMBED", mock: mock)
        let hashing = "cache: { semantic: { enabled: true, embedder: hashing }, shared: { kind: postgres, url_env: TG_PG_EMBED } }\nproviders:\n" + providerYAML("budget", port: mock.port)
        let (b, _) = try await startGateway(config: hashing)
        #expect(try await post(a.url + "/v1/chat/completions", chatBody("Name the largest desert on Earth")).cache == "miss")
        #expect(try await eventually { try await stats(b, "entries") == 1 })
        #expect(try await stats(b, "semantic_vectors") == 0, "a MiniLM vector (384 floats, like the hashing embedder's) is not put in a hashing index")
        #expect(try await post(b.url + "/v1/chat/completions", chatBody("Name the largest desert on Earth")).cache == "hit")
        #expect(try pg.psql("SELECT embedder FROM tollgate_entries") == "all-MiniLM-L6-v2")
    }

    @Test func aMissingURLIsAConfigurationError() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-pgcfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "data_dir: \(dir)/data\ncache: { shared: { kind: postgres, url_env: TG_PG_UNSET_VARIABLE } }\nproviders: []\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let (status, stderr) = try runTollgate(["serve", "--config", dir + "/c.yaml", "--port", "0"])
        #expect(status == 2)
        #expect(stderr.contains("TG_PG_UNSET_VARIABLE"))
    }
}
