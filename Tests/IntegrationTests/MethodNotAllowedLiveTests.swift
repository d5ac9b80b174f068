import Foundation
import Testing
import TollgateCore

/// A wrong method on a known route is a 405 with `Allow` and an error in the caller's dialect;
/// an unknown path stays a 404.
@Suite("405 Method Not Allowed, live")
struct MethodNotAllowedLiveTests {
    func send(_ method: String, _ url: String) async throws -> Reply {
        let body: [UInt8] = method == "GET" || method == "DELETE" ? [] : Array("{}".utf8)
        let r = try await CurlClient.shared.send(UpstreamHTTPRequest(url: url, method: method, headers: [("Content-Type", "application/json")], body: body))
        return Reply(status: r.status, headers: r.headers, body: r.body)
    }

    @Test func wrongMethodOnAKnownRouteIs405WithAllowInTheCallersDialect() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("mock", port: mock.port))
        let openAI: [(String, String, String)] = [
            ("GET", "/v1/chat/completions", "POST"), ("TRACE", "/console", "GET"), ("POST", "/console/console.js", "GET"), ("DELETE", "/v1/models", "GET"), ("POST", "/healthz", "GET"),
            ("PUT", "/v1/embeddings", "POST"), ("DELETE", "/v1/responses/resp_123", "GET"), ("PATCH", "/v1/models/gpt-4o-mini", "GET"),
            ("GET", "/admin/cache/purge", "POST"), ("POST", "//healthz", "GET"),
        ]
        for (method, path, allow) in openAI {
            let r = try await send(method, gateway.url + path)
            #expect(r.status == 405, "\(method) \(path): \(r.status) \(r.text)")
            #expect(r.headers["allow"] == allow, "\(method) \(path): Allow \(r.headers["allow"] ?? "none")")
            let error = r.json?["error"]
            #expect(error?["type"]?.stringValue == "invalid_request_error", "\(method) \(path): \(r.text)")
            #expect(error?["code"]?.stringValue == "method_not_allowed", "\(method) \(path): \(r.text)")
            #expect(error?["message"]?.stringValue?.contains(allow) == true, "\(r.text)")
            #expect(error?["param"] == .null, "OpenAI's shape has a null param: \(r.text)")
        }
        for (method, path) in [("GET", "/v1/messages"), ("PUT", "/v1/messages/count_tokens")] {
            let r = try await send(method, gateway.url + path)
            #expect(r.status == 405, "\(method) \(path): \(r.status) \(r.text)")
            #expect(r.headers["allow"] == "POST")
            #expect(r.json?["type"]?.stringValue == "error", "Anthropic's shape: \(r.text)")
            #expect(r.json?["error"]?["type"]?.stringValue == "invalid_request_error", "\(r.text)")
            #expect(r.json?["error"]?["message"]?.stringValue?.contains("POST") == true, "\(r.text)")
        }
        // Unknown paths stay 404; the right method is still served.
        for path in ["/v1/nope", "/v1/models/a/b", "/v1/messages/nope"] {
            let r = try await send("GET", gateway.url + path)
            #expect(r.status == 404, "\(path): \(r.status) \(r.text)")
            #expect(r.headers["allow"] == nil)
        }
        #expect(try await get(gateway.url + "/v1/models").status == 200)
        #expect(try await post(gateway.url + "/v1/chat/completions", chatBody("hello")).status == 200)
        #expect(!gateway.log.contains(#""level":"error""#))
    }
}
