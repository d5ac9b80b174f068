import Foundation
import Testing
import TollgateCore

/// Slow, idle and unfinished clients are closed by the server (limits.header_timeout_ms,
/// body_timeout_ms, idle_timeout_ms, max_connections) while a healthy client is served.
@Suite("Connection timeouts and caps, live")
struct ConnectionLimitsLiveTests {
    static let fast = "limits: { header_timeout_ms: 1500, body_timeout_ms: 1500, idle_timeout_ms: 1500, max_connections: 700 }\n"

    @Test func fiveHundredSlowlorisConnectionsAreClosedWhileAHealthyClientIsServed() async throws {
        let (gateway, _) = try await startGateway(config: Self.fast)
        let head = Array("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8).map { String(UnicodeScalar($0)) }
        var slow: [RawConnection] = []
        for _ in 0..<500 {
            let c = try RawConnection(port: gateway.port)
            c.send(head[0])
            slow.append(c)
        }
        var sent = 1
        var healthy = 0
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            // One more header byte on every connection still open, then a healthy request.
            for c in slow where !c.closedByPeer { c.send(head[sent % head.count]); c.poll() }
            sent += 1
            let started = Date()
            let r = try await get(gateway.url + "/healthz")
            #expect(r.status == 200)
            #expect(Date().timeIntervalSince(started) < 10, "the healthy client waited behind the slow ones")  // generous: the suite runs in parallel on 2 cores
            healthy += 1
            if slow.allSatisfy(\.closedByPeer) { break }
            try await Task.sleep(for: .milliseconds(700))  // the attacker's pace: a byte every 0.7 s
        }
        #expect(slow.filter(\.closedByPeer).count == 500, "every slowloris connection is closed by the server")
        #expect(healthy >= 2)
        #expect(gateway.process.isRunning)
    }

    @Test func idleKeepAliveShortBodyAndUnterminatedChunkedAreClosed() async throws {
        let (gateway, _) = try await startGateway(config: Self.fast)
        let silent = try RawConnection(port: gateway.port)
        let keepAlive = try RawConnection(port: gateway.port)
        keepAlive.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let short = try RawConnection(port: gateway.port)
        short.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\":")
        let chunked = try RawConnection(port: gateway.port)
        chunked.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"mod\r\n")
        let all = [silent, keepAlive, short, chunked]
        let closed = try await eventually(within: .seconds(10)) {
            all.forEach { $0.poll() }
            return all.allSatisfy(\.closedByPeer)
        }
        #expect(closed, "closed: silent \(silent.closedByPeer), keep-alive \(keepAlive.closedByPeer), short \(short.closedByPeer), chunked \(chunked.closedByPeer)")
        #expect(keepAlive.text.hasPrefix("HTTP/1.1 200"), "the keep-alive client was answered before its idle close")
        #expect(try await get(gateway.url + "/healthz").status == 200)
    }

    /// Keep-alive slowloris: a request answered, then the next head a byte at a time. From its
    /// first byte the head has `header_timeout_ms`, as a new connection's has (not the 60 s idle).
    @Test func aKeepAliveConnectionTricklingItsNextHeadIsClosedAfterTheHeaderTimeout() async throws {
        let (gateway, _) = try await startGateway(config: "limits: { header_timeout_ms: 1500, idle_timeout_ms: 60000 }\n")
        let c = try RawConnection(port: gateway.port)
        c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let answered = try await eventually(within: .seconds(5)) { c.poll(); return c.text.contains(#""ok""#) }
        #expect(answered, "\(c.text)")
        let next = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijklmnopqrstuvwxyz".utf8)
        let started = ContinuousClock.now
        var sent = 0
        while !c.closedByPeer && ContinuousClock.now - started < .seconds(10) {
            c.send(String(UnicodeScalar(next[sent % next.count])))
            sent += 1
            c.poll()
            try await Task.sleep(for: .milliseconds(300))  // the attacker's pace: a byte every 0.3 s
        }
        #expect(c.closedByPeer, "the trickled next head is closed within header_timeout_ms, not after idle_timeout_ms")
        #expect(try await get(gateway.url + "/healthz").status == 200)
    }

    @Test func connectionsBeyondMaxConnectionsAreClosedOnAccept() async throws {
        let (gateway, _) = try await startGateway(config: "limits: { max_connections: 20, header_timeout_ms: 60000 }\n")
        var held: [RawConnection] = []
        for _ in 0..<25 { held.append(try RawConnection(port: gateway.port)) }
        let refused = try await eventually(within: .seconds(10)) {
            held.forEach { $0.poll() }
            return held.filter(\.closedByPeer).count >= 5
        }
        #expect(refused)
        #expect(held.filter(\.closedByPeer).count == 5, "exactly the connections past the cap are closed (header timeout is 60 s)")
        held.removeAll()  // frees the cap
        let served = try await eventually(within: .seconds(10)) { (try? await get(gateway.url + "/healthz").status) == 200 }
        #expect(served)
    }
}
