import Foundation
import Testing
import TollgateCore

/// The exact-hit fast path (`ExactHitResponder`): a body seen before is answered on the event loop,
/// and a client cannot tell it from the routed path — same headers, body, stats, order of answers.
@Suite("Exact-hit fast path, live")
struct ExactHitPathLiveTests {
    /// `tollgate_exact_fast_path_total` as `/metrics` shows it now.
    static func fastPathHits(_ gateway: TollgateProcess) async throws -> Int {
        let text = try await get(gateway.url + "/metrics").text
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("tollgate_exact_fast_path_total ") }, "no fast-path counter in /metrics")
        return try #require(Int(line.split(separator: " ")[1]))
    }

    static let keys = "keys:\n  - { key_env: TG_IT_FAST_SHOP, tenant: shop }\n  - { key_env: TG_IT_FAST_LAB, tenant: lab }\n  - { key_env: TG_IT_FAST_ADMIN, tenant: ops, admin: true }\n"

    @Test func aFastPathHitIsTheRoutedHitWithTheSameHeadersAndBody() async throws {
        setenv("TG_IT_FAST_SHOP", "fast-shop-key-1", 1)
        setenv("TG_IT_FAST_LAB", "fast-lab-key-2", 1)
        setenv("TG_IT_FAST_ADMIN", "fast-admin-key-3", 1)
        let mock = try await startMock()
        defer { withExtendedLifetime(mock) {} }
        let (gateway, _) = try await startGateway(config: Self.keys + "providers:\n" + providerYAML("mock", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let shop = [("Authorization", "Bearer fast-shop-key-1")]
        // The same request spelled two ways: b is a canonical-key hit (routed, it has no raw-body
        // alias yet); a, sent again, is a raw-body alias hit (the fast path).
        let a = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"fast path probe"}]}"#
        let b = #"{"messages":[{"role":"user","content":"fast path probe"}],"model":"gpt-4o-mini"}"#
        #expect(try await post(chat, a, headers: shop).cache == "miss")
        let before = try await Self.fastPathHits(gateway)
        let routed = try await post(chat, b, headers: shop + [("x-request-id", "it-routed")])
        #expect(try await Self.fastPathHits(gateway) == before, "the other spelling cannot be a raw-body hit")
        let fast = try await post(chat, a, headers: shop + [("x-request-id", "it-fast")])
        #expect(try await Self.fastPathHits(gateway) == before + 1, "a body seen before is answered on the event loop")

        #expect(routed.status == 200 && fast.status == 200)
        #expect(fast.cache == "hit" && routed.cache == "hit")
        #expect(fast.body == routed.body)
        #expect(Set(fast.headers.keys) == Set(routed.headers.keys), "fast \(fast.headers) routed \(routed.headers)")
        for (name, value) in routed.headers where !["x-request-id", "date", "age"].contains(name) {
            #expect(fast.headers[name] == value, "\(name): fast \(fast.headers[name] ?? "-") routed \(value)")
        }
        #expect(fast.headers["x-request-id"] == "it-fast")
        #expect(fast.headers["server"] == "tollgate")
        #expect(fast.headers["date"].map { $0.hasSuffix(" GMT") && $0.count == 29 } == true, "\(fast.headers["date"] ?? "-")")

        // Another tenant's identical body is not served from shop's entry; no key is a 401 (routed).
        #expect(try await post(chat, a, headers: [("Authorization", "Bearer fast-lab-key-2")]).cache == "miss")
        #expect(try await post(chat, a).status == 401)
        #expect(try await Self.fastPathHits(gateway) == before + 1)
        #expect(try await upstreamCalls(mock) == 2)

        // The hit is in the stats and the access log as any hit is.
        let stats = try await get(gateway.url + "/admin/stats", headers: [("Authorization", "Bearer fast-admin-key-3")]).json
        #expect(stats?["tenants"]?["shop"]?["hits"]?.intValue == 2, "\(stats?.jsonString ?? "-")")
        let line = try #require(accessLine(gateway, "it-fast"), "\(gateway.log)")
        #expect(line["cache"]?.stringValue == "hit")
        #expect(line["tenant"]?.stringValue == "shop")
        #expect(line["model"]?.stringValue == "gpt-4o-mini")
        #expect(line["route"]?.stringValue == "/v1/chat/completions")
    }

    /// Two requests sent back to back on one connection (HTTP/1.1 pipelining): a slow miss, then a
    /// hit. The hit must not overtake the miss.
    @Test func pipelinedRequestsAreAnsweredInTheirOrder() async throws {
        let mock = try await startMock(["--latency-ms", "400"])
        defer { withExtendedLifetime(mock) {} }
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("mock", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let cached = chatBody("pipelined cached prompt")
        #expect(try await post(chat, cached).cache == "miss")
        #expect(try await post(chat, cached).cache == "hit")
        let slow = chatBody("pipelined slow prompt")
        func request(_ body: String, id: String) -> String {
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-request-id: \(id)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        let c = try RawConnection(port: gateway.port)
        c.send(request(slow, id: "first-slow") + request(cached, id: "second-cached"))
        let both = try await eventually(within: .seconds(20)) { c.poll(); return c.text.components(separatedBy: "HTTP/1.1 200").count == 3 }
        #expect(both, "\(c.text)")
        let first = try #require(c.text.range(of: "first-slow")), second = try #require(c.text.range(of: "second-cached"))
        #expect(first.lowerBound < second.lowerBound, "answers out of order: \(c.text)")
        #expect(c.text.contains("pipelined slow prompt") && c.text.contains("pipelined cached prompt"))
    }

    /// Bodies the fast path does not hold (over 64 KiB), chunked bodies and `Connection: close`
    /// requests are still answered from the cache, and a close request closes.
    @Test func largeChunkedAndClosingRequestsAreStillHits() async throws {
        let mock = try await startMock()
        defer { withExtendedLifetime(mock) {} }
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("mock", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let large = chatBody("large " + String(repeating: "lorem ipsum ", count: 7_000))
        #expect(try await post(chat, large).cache == "miss")
        #expect(try await post(chat, large).cache == "hit")

        let small = chatBody("chunked fast path probe")
        #expect(try await post(chat, small).cache == "miss")
        let before = try await Self.fastPathHits(gateway)
        let chunked = try RawConnection(port: gateway.port)
        let bytes = Array(small.utf8)
        chunked.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        for part in stride(from: 0, to: bytes.count, by: 10) {
            let piece = String(decoding: bytes[part..<min(part + 10, bytes.count)], as: UTF8.self)
            chunked.send(String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n")
        }
        chunked.send("0\r\n\r\n")
        #expect(try await eventually { chunked.poll(); return chunked.text.contains("\"usage\"") }, "\(chunked.text)")
        #expect(chunked.text.lowercased().contains("x-tollgate-cache: hit"), "\(chunked.text)")
        #expect(try await Self.fastPathHits(gateway) == before + 1)

        let closing = try RawConnection(port: gateway.port)
        closing.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(small.utf8.count)\r\n\r\n\(small)")
        #expect(try await eventually { closing.poll(); return closing.closedByPeer }, "a Connection: close request is answered and closed")
        #expect(closing.text.lowercased().contains("x-tollgate-cache: hit"), "\(closing.text)")
    }
    /// SIGTERM while a cacheable request's body is still arriving: the held request is answered
    /// before the connection closes, as a routed one would be.
    @Test func aHeldRequestIsAnsweredThroughAGracefulShutdown() async throws {
        let mock = try await startMock()
        defer { withExtendedLifetime(mock) {} }
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("mock", port: mock.port))
        let body = chatBody("held through a shutdown")
        #expect(try await post(gateway.url + "/v1/chat/completions", body).cache == "miss")
        let c = try RawConnection(port: gateway.port)
        let bytes = Array(body.utf8)
        // The 100 Continue says the head was read (and is held); only then the SIGTERM.
        c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
               + "Content-Length: \(bytes.count)\r\n\r\n" + String(decoding: bytes[..<10], as: UTF8.self))
        #expect(try await eventually { c.poll(); return c.text.contains("100 Continue") }, "\(c.text)")
        gateway.process.terminate()  // SIGTERM
        // The listener closes when the shutdown starts; then the rest of the body comes.
        let refused = try await eventually { (try? RawConnection(port: gateway.port)) == nil }
        #expect(refused, "the listener never closed after SIGTERM")
        c.send(String(decoding: bytes[10...], as: UTF8.self))
        #expect(try await eventually { c.poll(); return c.text.contains("\"usage\"") || c.closedByPeer }, "\(c.text)")
        #expect(c.text.contains("HTTP/1.1 200") && c.text.lowercased().contains("x-tollgate-cache: hit"), "answer: \(c.text)")
        gateway.process.waitUntilExit()
        #expect(gateway.process.terminationStatus == 0)
    }
}
