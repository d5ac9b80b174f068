import Foundation
import Testing
import TollgateCore

@Suite("Lifecycle and limits")
struct LifecycleLiveTests {
    /// SIGTERM: the gateway stops accepting, finishes the request in flight, and exits 0.
    @Test func sigtermFinishesTheRequestInFlight() async throws {
        let mock = try await startMock(["--latency-ms", "800"])
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        async let slow = post(gateway.url + "/v1/chat/completions", chatBody("a slow answer"))
        let reached = try await eventually { try await upstreamCalls(mock) == 1 }  // the request is in flight upstream
        #expect(reached)
        gateway.process.terminate()  // SIGTERM
        let reply = try await slow
        #expect(reply.status == 200 && reply.content?.contains("a slow answer") == true)
        gateway.process.waitUntilExit()
        #expect(gateway.process.terminationStatus == 0)
    }

    @Test func configErrorsExitNonZeroAndNameTheKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-cfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "listen: { port: 8080 }\ncache: { ttl_secondz: 5 }\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let (status, text) = try runTollgate(["serve", "--config", dir + "/bad.yaml"])
        #expect(status != 0)
        #expect(text.contains("bad.yaml:2") && text.contains("cache.ttl_secondz"), "\(text)")
    }

    @Test func oversizedHeadersAreRefused() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let huge = String(repeating: "h", count: 200_000)
        let r = try await CurlClient.shared.send(UpstreamHTTPRequest(url: gateway.url + "/v1/chat/completions",
                                                                     headers: [("x-padding", huge)], body: Array(chatBody("x").utf8)))
        #expect((400..<500).contains(r.status), "status \(r.status)")
        #expect(try await get(gateway.url + "/healthz").status == 200)
        #expect(try await upstreamCalls(mock) == 0)
    }
}
