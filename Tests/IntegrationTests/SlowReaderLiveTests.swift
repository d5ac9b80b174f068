import Foundation
import Testing
import TollgateCore

/// A client that asks for an answer and does not read it (or reads a byte now and then) is reset
/// after `limits.send_timeout_ms` without progress (with `send_timeout_ms: 3600000` instead, as
/// before the timeout existed, both stay open past the test's 20 s); others are served.
@Suite("Slow readers, live")
struct SlowReaderLiveTests {
    @Test func aClientThatDoesNotReadALargeStreamIsResetWhileOthersAreServed() async throws {
        // Every answer is 4 MB: far more than the socket buffers of a client that reads nothing.
        let mock = try await startMock(["--answer-bytes", "4000000"])
        let (gateway, _) = try await startGateway(config: "limits: { send_timeout_ms: 1500, idle_timeout_ms: 60000 }\nproviders:\n" + providerYAML("mock", port: mock.port))
        func request(_ prompt: String) -> String {
            let body = chatBody(prompt, extra: #","stream":true"#)
            return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        }
        let silent = try RawConnection(port: gateway.port, receiveBuffer: 8192)
        silent.send(request("A long story for a client that never reads"))
        let trickle = try RawConnection(port: gateway.port, receiveBuffer: 8192)
        trickle.send(request("A long story for a client that reads a byte at a time"))

        // The answers have begun: the trickling client's first byte is the status line's.
        let answering = try await eventually(within: .seconds(10)) { trickle.readOne() }
        #expect(answering && trickle.text == "H", "\(trickle.text)")
        #expect(try await get(gateway.url + "/healthz").status == 200, "a healthy client is served while the slow readers hold their streams")

        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, !(silent.closedByServer && trickle.closedByServer) {
            if !trickle.closedByServer { trickle.readOne() }
            try await Task.sleep(for: .milliseconds(300))  // the slow reader's pace: a byte every 0.3 s
        }
        #expect(silent.closedByServer, "the client that never reads is closed (TCP state \(silent.tcpState))")
        #expect(trickle.closedByServer, "the client that reads a byte now and then is closed (TCP state \(trickle.tcpState))")

        let healthy = try await post(gateway.url + "/v1/chat/completions", chatBody("A healthy client's question"))
        #expect(healthy.status == 200 && (healthy.content?.utf8.count ?? 0) >= 4_000_000, "a healthy client reads a large answer in full")
        #expect(gateway.process.isRunning)
    }
}
