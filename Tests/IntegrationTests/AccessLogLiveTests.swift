import Foundation
import Testing
import TollgateCore

/// The repository's bundled `fixtures/` folder, absolute.
let bundledFixtures: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent("fixtures").path
}()

/// The log lines of a gateway's stderr that parse as JSON objects.
func logLines(_ process: TollgateProcess) -> [JSONValue] {
    process.log.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
}

/// The access-log line of one request (by the `x-request-id` the test sent).
func accessLine(_ process: TollgateProcess, _ id: String) -> JSONValue? {
    logLines(process).first { $0["msg"]?.stringValue == "request" && $0["request_id"]?.stringValue == id }
}

/// Is `value` a JSON number (not a string holding one)?
func isNumber(_ value: JSONValue?) -> Bool {
    if case .number? = value { return true }
    return false
}

/// One JSON access-log line per request at the default level, for every route and status:
/// request id, tenant, route, model, cache result, similarity, provider, status, cost and
/// latency, numbers as numbers, no prompt text and no key.
@Suite("Access log, live")
struct AccessLogLiveTests {
    static let prompt = "zebra-crossing access log probe"

    @Test func everyRequestHasOneInfoLineWithItsFields() async throws {
        let mock = try await startMock()
        defer { withExtendedLifetime(mock) {} }
        setenv("TG_IT_ACCESS_KEY", "access-user-key-123", 1)
        let config = "keys:\n  - { key_env: TG_IT_ACCESS_KEY, tenant: shop }\nrouting: { breaker_failures: 1 }\nproviders:\n" + providerYAML("mocked", port: mock.port)
            + providerYAML("dead", port: 1, model: "gpt-dead")
        let (gateway, _) = try await startGateway(config: config)
        let chat = gateway.url + "/v1/chat/completions"
        func as_(_ id: String, key: Bool = true) -> [(String, String)] {
            [("x-request-id", id)] + (key ? [("Authorization", "Bearer access-user-key-123")] : [])
        }
        #expect(try await post(chat, chatBody(Self.prompt), headers: as_("it-miss")).status == 200)
        #expect(try await post(chat, chatBody(Self.prompt), headers: as_("it-hit")).status == 200)
        #expect(try await post(chat, chatBody(Self.prompt), headers: as_("it-401", key: false)).status == 401)
        #expect(try await get(gateway.url + "/v1/nowhere", headers: as_("it-404")).status == 404)
        #expect(try await post(chat, chatBody(Self.prompt, model: "no-such-model"), headers: as_("it-model-404")).status == 404)
        #expect(try await post(chat, chatBody("dead one", model: "gpt-dead"), headers: as_("it-502")).status == 502)
        let unavailable = try await post(chat, chatBody("dead two", model: "gpt-dead"), headers: as_("it-503"))
        #expect(unavailable.status == 503, "\(unavailable.text)")
        let streamed = try await post(chat, chatBody("a streamed access probe", extra: #","stream":true"#), headers: as_("it-stream"))
        #expect(streamed.status == 200)
        #expect(try await get(gateway.url + "/healthz", headers: as_("it-health")).status == 200)

        let miss = try #require(accessLine(gateway, "it-miss"), "\(gateway.log)")
        #expect(miss["level"]?.stringValue == "info")
        #expect(miss["tenant"]?.stringValue == "shop")
        #expect(miss["route"]?.stringValue == "/v1/chat/completions")
        #expect(miss["method"]?.stringValue == "POST")
        #expect(miss["model"]?.stringValue == "gpt-4o-mini")
        #expect(miss["cache"]?.stringValue == "miss")
        #expect(miss["provider"]?.stringValue == "mocked")
        #expect(miss["status"] == .int(200) && isNumber(miss["status"]))
        #expect(isNumber(miss["cost_usd"]) && (miss["cost_usd"]?.doubleValue ?? 0) > 0, "\(miss)")
        #expect(isNumber(miss["latency_ms"]) && (miss["latency_ms"]?.doubleValue ?? -1) >= 0)

        let hit = try #require(accessLine(gateway, "it-hit"))
        #expect(hit["cache"]?.stringValue == "hit" && hit["cost_usd"]?.doubleValue == 0)
        #expect(hit["saved_usd"]?.doubleValue == miss["cost_usd"]?.doubleValue, "a hit saves what the miss cost")
        #expect(hit["model"]?.stringValue != nil, "the fast path's hit names a model too")

        let unauthorized = try #require(accessLine(gateway, "it-401"))
        #expect(unauthorized["status"] == .int(401) && unauthorized["error"]?.stringValue == "invalid_api_key" && unauthorized["tenant"] == nil)
        let notFound = try #require(accessLine(gateway, "it-404"))
        #expect(notFound["status"] == .int(404) && notFound["route"]?.stringValue == "other" && notFound["path"]?.stringValue == "/v1/nowhere")
        let noModel = try #require(accessLine(gateway, "it-model-404"))
        #expect(noModel["status"] == .int(404) && noModel["model"]?.stringValue == "no-such-model" && noModel["error"]?.stringValue == "model_not_found")
        #expect(accessLine(gateway, "it-502")?["status"] == .int(502))
        let down = try #require(accessLine(gateway, "it-503"))
        #expect(down["status"] == .int(503) && down["error"]?.stringValue == "upstream_unavailable" && down["tenant"]?.stringValue == "shop")
        #expect(accessLine(gateway, "it-health")?["route"]?.stringValue == "/healthz")
        // A streamed miss is logged when its last byte is out, with the cost known by then.
        #expect(try await eventually { accessLine(gateway, "it-stream") != nil })
        let stream = try #require(accessLine(gateway, "it-stream"))
        #expect(stream["cache"]?.stringValue == "miss" && isNumber(stream["cost_usd"]) && (stream["cost_usd"]?.doubleValue ?? 0) > 0, "\(stream)")

        let access = logLines(gateway).filter { $0["msg"]?.stringValue == "request" }
        #expect(access.count == 9, "one line per request: \(access.map(\.jsonString))")
        #expect(!gateway.log.contains("zebra-crossing"), "prompt text reached the log")
        #expect(!gateway.log.contains("access-user-key-123"), "a client key reached the log")
    }

    @Test func semanticHitsCarryTheirSimilarityAndEveryAnswerItsRequestID() async throws {
        // One fixture of our own (embedding the bundled ones at start is slow on a loaded machine).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-fx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let fixture = Fixture(recordedAt: Date(), tenant: "default", request: try JSONValue.parse(chatBody("What is the capital of France?")), provider: "handmade",
                              providerKind: "openai", model: "gpt-4o-mini",
                              response: try JSONValue.parse(#"{"id":"x","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Paris."},"finish_reason":"stop"}]}"#),
                              promptTokens: 7, completionTokens: 2, costUSD: 0.0000024, stream: false)
        try (fixture.line + "\n").write(toFile: dir + "/one.jsonl", atomically: true, encoding: .utf8)
        let (gateway, _) = try await startGateway(config: semanticYAML + "providers:\n" + providerYAML("p", port: 1), extra: ["--offline", "--fixtures", dir])
        let r = try await post(gateway.url + "/v1/chat/completions", chatBody("What's the capital city of France?"), headers: [("x-request-id", "it-sem")])
        #expect(r.cache == "semantic-hit", "\(r.text)")
        let line = try #require(accessLine(gateway, "it-sem"), "\(gateway.log)")
        #expect(line["cache"]?.stringValue == "semantic-hit" && isNumber(line["similarity"]) && (line["similarity"]?.doubleValue ?? 0) > 0.5, "\(line)")
        let health = try await get(gateway.url + "/healthz")
        #expect(health.headers["x-request-id"]?.hasPrefix("req-") == true, "every answer names its request id")
    }

    /// Requests the HTTP parser rejects before any route sees them (a malformed request line, a
    /// bad header, oversized headers) and a malformed chunk size: each answer has its one line
    /// at info, found by the `x-request-id` the answer carries; method and route are "-" when
    /// the head never parsed.
    @Test func requestsRejectedBeforeTheRouterHaveTheirLineToo() async throws {
        let (gateway, _) = try await startGateway(config: "")
        func exchange(_ request: String) async throws -> String {
            let c = try RawConnection(port: gateway.port)
            c.send(request)
            _ = try await eventually(within: .seconds(10)) { c.poll(); return c.closedByPeer || c.text.contains("}") }
            return c.text
        }
        func requestID(_ answer: String) -> String? {
            answer.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-request-id:") }.map { String($0.dropFirst(13)).trimmingCharacters(in: .whitespaces) }
        }
        let cases: [(name: String, request: String, status: Int, route: String)] = [
            ("request line", "NOT A REQUEST LINE\r\n\r\n", 400, "-"),
            ("bad header", "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400, "-"),
            ("huge headers", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n", 431, "-"),
            ("chunk size zz", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
             400, "/v1/chat/completions"),
        ]
        var ids: [String] = []
        for c in cases {
            let answer = try await exchange(c.request)
            #expect(answer.hasPrefix("HTTP/1.1 \(c.status)"), "\(c.name): \(answer.prefix(300))")
            let id = try #require(requestID(answer), "\(c.name): no x-request-id in \(answer.prefix(300))")
            ids.append(id)
            #expect(try await eventually { accessLine(gateway, id) != nil }, "\(c.name): no access line in \(gateway.log.suffix(2000))")
            let line = try #require(accessLine(gateway, id))
            #expect(line["level"]?.stringValue == "info" && line["status"] == .int(c.status) && isNumber(line["status"]), "\(c.name): \(line.jsonString)")
            #expect(line["route"]?.stringValue == c.route && line["cache"]?.stringValue == "none" && isNumber(line["latency_ms"]), "\(c.name): \(line.jsonString)")
            if c.route == "-" { #expect(line["method"]?.stringValue == "-" && line["error"]?.stringValue == "invalid_http", "\(c.name): \(line.jsonString)") }
        }
        let access = logLines(gateway).filter { $0["msg"]?.stringValue == "request" }
        #expect(access.count == cases.count, "one line per answered request: \(access.map(\.jsonString))")
        #expect(Set(ids).count == cases.count)
        #expect(!gateway.log.contains("aaaaaaaaaa"), "header text reached the log")
        let metrics = try await get(gateway.url + "/metrics").text
        let counted = metrics.split(separator: "\n").filter { $0.hasPrefix("tollgate_requests_total{") && $0.contains(#"route="-""#) }
        #expect(counted.contains { $0.contains(#"status="431""#) && $0.hasSuffix(" 1") } && counted.contains { $0.contains(#"status="400""#) && $0.hasSuffix(" 2") },
                "counted in tollgate_requests_total with route \"-\": \(counted)")
    }
}
