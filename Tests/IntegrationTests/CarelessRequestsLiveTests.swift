import Foundation
import Testing
import TollgateCore

/// Requests a careless client sends: a malformed chunk size, headers the parser rejects,
/// `Expect: 100-continue`, a doubled slash. Each gets an OpenAI-shaped answer, none a logged 500.
@Suite("Careless requests, live")
struct CarelessRequestsLiveTests {
    /// Sends `request` on a fresh connection and reads until the server closes it or 5 s pass.
    func exchange(_ port: Int, _ request: String) async throws -> String {
        let c = try RawConnection(port: port)
        c.send(request)
        _ = try await eventually(within: .seconds(5)) { c.poll(); return c.closedByPeer || c.text.contains("}") }
        return c.text
    }

    @Test func malformedChunksAndHeadersAreOpenAIShaped400s() async throws {
        let (gateway, _) = try await startGateway(config: "")
        let zz = try await exchange(gateway.port, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
        #expect(zz.hasPrefix("HTTP/1.1 400"), "\(zz)")
        #expect(zz.contains(#""type":"invalid_request_error""#), "\(zz)")
        let badHeader = try await exchange(gateway.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        #expect(badHeader.hasPrefix("HTTP/1.1 400"), "\(badHeader)")
        #expect(badHeader.contains(#"{"error":{"message":"#), "a bare 400 has no body: \(badHeader)")
        let huge = try await exchange(gateway.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n")
        #expect(huge.hasPrefix("HTTP/1.1 431"), "\(huge.prefix(300))")
        #expect(huge.contains(#"{"error":{"message":"#))
        #expect(!gateway.log.contains(#""level":"error""#), "no error log line for a client's mistake")
        #expect(try await get(gateway.url + "/healthz").status == 200)
    }

    @Test func expect100ContinueIsAnswered() async throws {
        let (gateway, _) = try await startGateway(config: "")
        let c = try RawConnection(port: gateway.port)
        let body = #"{"model":"nope","messages":[{"role":"user","content":"hi"}]}"#
        c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
        let continued = try await eventually(within: .seconds(3)) { c.poll(); return c.text.contains("100 Continue") }
        #expect(continued, "no 100 Continue: \(c.text)")
        c.send(body)
        let answered = try await eventually(within: .seconds(5)) { c.poll(); return c.text.contains("model_not_found") }
        #expect(answered, "\(c.text)")
    }

    @Test func aDoubledSlashIsCountedAsItsRoute() async throws {
        let (gateway, _) = try await startGateway(config: "")
        #expect(try await get(gateway.url + "//admin/stats").status == 200)
        let metrics = try await get(gateway.url + "/metrics").text
        #expect(metrics.contains(#"route="/admin/stats",status="200""#), "\(metrics.split(separator: "\n").filter { $0.contains("requests_total") })")
    }
}
