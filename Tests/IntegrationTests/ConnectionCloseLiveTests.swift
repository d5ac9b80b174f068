import Foundation
import Testing
import TollgateCore

/// When a connection ends: an HTTP/1.0 request without `keep-alive`, and any `Connection: close`
/// however it is spelled, is closed after its answer (a client reading to EOF must not wait for the
/// idle timeout), exact hits included; CONNECT gets a 405 and the connection is closed (the HTTP
/// decoder reads nothing after a CONNECT, so a request sent after it would never be answered).
@Suite("Connection close, live")
struct ConnectionCloseLiveTests {
    static let config = "limits: { idle_timeout_ms: 60000 }\n"

    /// Sends `text` on a new connection; returns it once the server closed it (or 10 s passed).
    func closedAfter(_ text: String, port: Int) async throws -> (RawConnection, Bool) {
        let c = try RawConnection(port: port)
        c.send(text)
        let closed = try await eventually(within: .seconds(10)) { c.poll(); return c.closedByPeer }
        return (c, closed)
    }

    @Test func http10AndConnectionCloseAreClosedAfterTheAnswer() async throws {
        let (gateway, _) = try await startGateway(config: Self.config)
        for request in ["GET /healthz HTTP/1.0\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n",
                        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n"] {
            let (c, closed) = try await closedAfter(request, port: gateway.port)
            #expect(closed, "closed after the answer, not after the 60 s idle timeout: \(request.debugDescription)")
            #expect(c.text.hasPrefix("HTTP/1.1 200") && c.text.contains(#""ok""#), "\(c.text)")
        }
        // HTTP/1.0 with keep-alive stays open for a second request.
        let kept = try RawConnection(port: gateway.port)
        kept.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try await eventually(within: .seconds(5)) { kept.poll(); return kept.text.contains(#""ok""#) })
        kept.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let twice = try await eventually(within: .seconds(5)) { kept.poll(); return kept.text.components(separatedBy: #""ok""#).count == 3 }
        #expect(twice && !kept.closedByPeer, "\(kept.text)")
    }

    @Test func anExactHitOverHTTP10IsClosedToo() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: Self.config + "providers:\n" + providerYAML("mock", port: mock.port))
        let body = chatBody("close after an exact hit")
        let request = "POST /v1/chat/completions HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        for cache in ["miss", "hit"] {
            let (c, closed) = try await closedAfter(request, port: gateway.port)
            #expect(closed, "\(cache): closed after the answer")
            #expect(c.text.hasPrefix("HTTP/1.1 200") && c.text.lowercased().contains("x-tollgate-cache: \(cache)"), "\(c.text)")
        }
    }

    @Test func connectIsA405AndTheConnectionIsClosed() async throws {
        let (gateway, _) = try await startGateway(config: Self.config)
        let (c, closed) = try await closedAfter("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                                                port: gateway.port)
        #expect(closed, "a CONNECT is not left hanging")
        #expect(c.text.hasPrefix("HTTP/1.1 405"), "\(c.text)")
        #expect(c.text.lowercased().contains("connection: close"), "\(c.text)")
        #expect(try await get(gateway.url + "/healthz").status == 200)
        #expect(!gateway.log.contains(#""level":"error""#))
    }
}
