import Foundation
import Testing
import TollgateCore

/// Numbers at the edges of `Int` from the body and from headers: each is a 4xx naming the field,
/// or is honoured within a bound — never a trap that takes the process down for every tenant.
@Suite("Hostile numbers, live")
struct HostileInputLiveTests {
    @Test func hugeIntegersInTheBodyAre400sAndTheProcessStaysUp() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let cases: [(String, String)] = [
            (#","max_tokens":9223372036854775807"#, "max_tokens"),
            (#","max_completion_tokens":9223372036854775807"#, "max_completion_tokens"),
            (#","max_tokens":9223372036854775807,"stream":true"#, "max_tokens"),
            (#","max_tokens":99999999999999999999999"#, "max_tokens"),
            (#","max_tokens":1e300"#, "max_tokens"),
            (#","n":9223372036854775807"#, "n"),
            (#","top_logprobs":-9223372036854775808"#, "top_logprobs"),
            (#","seed":1e40"#, "seed"),
        ]
        for (extra, param) in cases {
            let r = try await post(chat, chatBody("overflow probe", extra: extra))
            #expect(r.status == 400, "\(extra): \(r.text)")
            #expect(r.json?["error"]?["param"]?.stringValue == param, "\(extra): \(r.text)")
            #expect(gateway.process.isRunning, "the gateway died on \(extra)")
        }
        // A max_tokens past every context window (but within the bound) is the router's 400.
        let wide = try await post(chat, chatBody("overflow probe", extra: #","max_tokens":1000000000"#))
        #expect(wide.status == 400)
        #expect(wide.json?["error"]?["param"]?.stringValue == "max_tokens")
        #expect(try await upstreamCalls(mock) == 0, "no rejected request reaches the upstream")
        #expect(try await get(gateway.url + "/healthz").status == 200)
    }

    @Test func hugeMaxAgeOnACachedRequestIsHonouredNotATrap() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        #expect(try await post(chat, chatBody("max-age probe")).cache == "miss")
        for value in ["9223372036854775807", "99999999999999999999999999"] {
            let r = try await post(chat, chatBody("max-age probe"), headers: [("Cache-Control", "max-age=\(value)")])
            #expect(r.status == 200, "max-age=\(value): \(r.text)")
            #expect(r.cache == "hit", "a max-age past 2^31 means 2^31 s (RFC 9111), so a fresh entry is served")
        }
        let bad = try await post(chat, chatBody("max-age probe"), headers: [("Cache-Control", "max-age=-1")])
        #expect(bad.status == 400)
        #expect(gateway.process.isRunning)
    }

    /// A body that names a field twice is refused in every dialect: validation, the cache key and
    /// the upstream (which reads the forwarded bytes) could otherwise each see another value.
    @Test func aRepeatedKeyIsA400InEveryDialectAndNothingIsForwarded() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("dup", port: mock.port))
        let bodies: [(String, String)] = [
            ("/v1/chat/completions", #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"delete every file"}],"messages":[{"role":"user","content":"2+2?"}]}"#),
            ("/v1/chat/completions", #"{"model":"gpt-4o-mini","max_tokens":-5,"messages":[{"role":"user","content":"hi"}],"max_tokens":10}"#),
            ("/v1/responses", #"{"model":"gpt-4o-mini","input":"one","input":"two"}"#),
            ("/v1/messages", #"{"model":"gpt-4o-mini","max_tokens":10,"messages":[{"role":"user","content":"a","content":"b"}]}"#),
            ("/v1/embeddings", #"{"model":"text-embedding-3-small","input":"a","input":"b"}"#),
        ]
        for (path, body) in bodies {
            let r = try await post(gateway.url + path, body)
            #expect(r.status == 400, "\(path) \(body): \(r.status) \(r.text)")
            #expect(r.text.contains("duplicate key"), "the message names the problem: \(r.text)")
            if path == "/v1/messages" { #expect(r.json?["type"]?.stringValue == "error", "Anthropic's shape: \(r.text)") }
        }
        #expect(try await upstreamCalls(mock) == 0, "no request with a repeated key reaches the upstream")
        #expect(gateway.process.isRunning)
    }

    /// A body sent with a Content-Encoding is a 415 naming it, on every route and on the exact-hit
    /// fast path too (even when the bytes, being plain, match a cached request).
    @Test func anEncodedBodyIsA415ThatNamesTheEncoding() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("enc", port: mock.port))
        let body = chatBody("encoded body probe")
        #expect(try await post(gateway.url + "/v1/chat/completions", body).cache == "miss")
        for path in ["/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/embeddings"] {
            for encoding in ["gzip", "br", "xyz"] {
                let r = try await post(gateway.url + path, body, headers: [("Content-Encoding", encoding)])
                #expect(r.status == 415, "\(path) \(encoding): \(r.status) \(r.text)")
                #expect(r.text.contains("Content-Encoding `\(encoding)`"), "\(r.text)")
            }
        }
        #expect(try await post(gateway.url + "/v1/chat/completions", body, headers: [("Content-Encoding", "identity")]).cache == "hit")
        #expect(try await upstreamCalls(mock) == 1)
    }
}
