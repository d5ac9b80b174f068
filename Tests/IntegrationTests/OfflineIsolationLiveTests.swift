import Foundation
import Synchronization
import Testing
import TollgateCore
#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on a free loopback port that counts the connections it accepts.
final class ConnectionCounter: @unchecked Sendable {
    let fd: Int32
    let port: Int
    let accepted = Atomic<Int>(0)
    let stopped = Atomic<Bool>(false)

    init() throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) == 0 && listen(sock, 64) == 0 && getsockname(sock, $0, &len) == 0 }
        }
        guard bound else { throw HarnessError(description: "cannot listen on loopback") }
        fd = sock
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { [self] in
            while !stopped.load(ordering: .relaxed) {
                var pfd = pollfd(fd: sock, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, 50) > 0 {
                    let c = accept(sock, nil, nil)
                    if c >= 0 { accepted.wrappingAdd(1, ordering: .relaxed); close(c) }
                }
            }
        }
    }

    deinit {
        stopped.store(true, ordering: .relaxed)
        close(fd)
    }
}

@Suite("Offline isolation and cache import/export")
struct OfflineIsolationLiveTests {
    @Test func offlineModeOpensNoConnectionToAProvider() async throws {
        let listener = try ConnectionCounter()
        // A control: something does connect when the gateway is online.
        let (online, _) = try await startGateway(config: "providers:\n" + providerYAML("p", port: listener.port))
        _ = try await post(online.url + "/v1/chat/completions", chatBody("hello?"))
        #expect(listener.accepted.load(ordering: .relaxed) >= 1, "the online control reaches the listener")
        online.stop()
        let before = listener.accepted.load(ordering: .relaxed)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-fx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let (offline, _) = try await startGateway(config: "providers:\n" + providerYAML("p", port: listener.port), extra: ["--offline", "--fixtures", dir])
        for i in 0..<20 {
            let r = try await post(offline.url + "/v1/chat/completions", chatBody("question \(i)", extra: i % 2 == 0 ? "" : #","stream":true"#))
            #expect(r.status == 404 && r.json?["error"]?["code"]?.stringValue == "offline_no_fixture")
        }
        #expect(listener.accepted.load(ordering: .relaxed) == before, "offline mode must not connect to any provider")
    }

    @Test func exportThenImportMovesEntriesBetweenCacheAndFixtures() async throws {
        let mock = try await startMock()
        let config = "providers:\n" + providerYAML("budget", port: mock.port) + SamePathLiveTests.embeddingsProvider(mock.port)
        let (gateway, dir) = try await startGateway(config: config)
        for q in ["alpha question", "beta question", "gamma question"] { _ = try await post(gateway.url + "/v1/chat/completions", chatBody(q)) }
        // An embeddings entry is not a chat answer: export leaves it out rather than write a fixture import rejects.
        #expect(try await post(gateway.url + "/v1/embeddings", #"{"model":"text-embedding-3-small","input":"delta"}"#).status == 200)
        gateway.stop()
        let fixtures = dir + "/exported"
        #expect(try runTollgate(["cache", "export", fixtures, "--config", dir + "/tollgate.yaml"]).status == 0)
        let (loaded, problems) = try FixtureLoader.load(directory: fixtures)
        #expect(loaded.count == 3 && problems.isEmpty)
        #expect(Set(loaded.map { $0.provider }) == ["budget"])

        // Into a fresh cache: the imported answers are hits with no upstream call.
        let (fresh, freshDir) = try await startGateway(config: config)
        fresh.stop()
        #expect(try runTollgate(["cache", "import", fixtures, "--config", freshDir + "/tollgate.yaml"]).status == 0)
        let (again, _) = try await startGateway(config: config, dataDir: freshDir)
        let calls = try await upstreamCalls(mock)
        for q in ["alpha question", "beta question", "gamma question"] {
            #expect(try await post(again.url + "/v1/chat/completions", chatBody(q)).cache == "hit")
        }
        #expect(try await upstreamCalls(mock) == calls)
    }

    /// The bundled fixtures were recorded without `max_tokens`, which Messages always sends: a
    /// recorded answer that ended on its own within the limit answers it; a shorter limit does not.
    @Test func aFixtureWithoutALimitAnswersARequestWithARoomyOne() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let (gateway, _) = try await startGateway(config: "", extra: ["--offline", "--fixtures", root + "/fixtures"])
        let prompt = "Summarize the plot of Romeo and Juliet in two sentences"
        let messages = { (limit: Int) in
            #"{"model":"claude-3-5-haiku-latest","max_tokens":\#(limit),"messages":[{"role":"user","content":"\#(prompt)"}]}"#
        }
        let roomy = try await post(gateway.url + "/v1/messages", messages(1024))
        #expect(roomy.status == 200 && roomy.cache == "hit", "\(roomy.status) \(roomy.text)")
        #expect(roomy.json?["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("Verona") == true, "\(roomy.text)")
        let chat = try await post(gateway.url + "/v1/chat/completions", chatBody(prompt, model: "claude-3-5-haiku-latest", extra: #","max_tokens":500"#))
        #expect(chat.status == 200 && chat.cache == "hit", "chat with a roomy limit too: \(chat.text)")
        let tight = try await post(gateway.url + "/v1/messages", messages(10))
        #expect(tight.status == 404, "a 59-token answer is not what a 10-token limit gives: \(tight.text)")
    }
}
