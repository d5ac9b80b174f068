import Foundation
import Testing
import TollgateCore

/// A small deterministic random generator (xorshift), so a failing case can be replayed.
struct Xorshift {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
}

/// Malformed and mutated requests, built from valid ones.
enum Mutations {
    static let seeds = [
        #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}"#,
        #"{"model":"gpt-4o-mini","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"hi"}]}],"temperature":0.5,"max_tokens":20,"stop":["x"]}"#,
        #"{"model":"auto","messages":[{"role":"user","content":"t"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"auto"}"#,
        #"{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"s"}]}"#,
        #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"j"}],"response_format":{"type":"json_object"},"n":2,"seed":7}"#,
    ]
    static let tokens = ["null", "true", "[]", "{}", "\"\"", "-1", "1e999", "0.0000001", "\"\\u0000\"", "\"\\ud800\"", "[[[[[[", "}}}}", ",", ":", "\"model\"",
                         "99999999999999999999999", "\"messages\"", "{\"role\":\"tool\"}", "NaN", "\u{FEFF}"]

    static func body(_ r: inout Xorshift) -> [UInt8] {
        var b = Array(r.pick(seeds).utf8)
        for _ in 0..<(1 + r.int(4)) {
            switch r.int(8) {
            case 0: if !b.isEmpty { b[r.int(b.count)] = UInt8(truncatingIfNeeded: r.next()) }  // flip a byte
            case 1: if !b.isEmpty { b.removeLast(r.int(b.count)) }  // truncate
            case 2: b.insert(contentsOf: Array(r.pick(tokens).utf8), at: r.int(b.count + 1))  // splice a token
            case 3: if b.count > 2 { let i = r.int(b.count - 1); b.remove(at: i) }  // drop a byte
            case 4:  // swap a value's type
                let s = String(decoding: b, as: UTF8.self)
                b = Array(s.replacingOccurrences(of: r.pick(["\"user\"", "0.5", "20", "true", "\"gpt-4o-mini\"", "[\"x\"]"]), with: r.pick(tokens)).utf8)
            case 5: b = Array(String(repeating: "[", count: 1 + r.int(5000)).utf8)  // deep nesting
            case 6: b += (0..<r.int(64)).map { _ in UInt8(truncatingIfNeeded: r.next()) }  // trailing garbage
            default: b = []  // empty body
            }
        }
        return b
    }

    static func headers(_ r: inout Xorshift) -> [(String, String)] {
        var h: [(String, String)] = []
        if r.int(3) == 0 { h.append(("x-tollgate-cache", r.pick(["off", "exact", "semantic", "OFF", "", "maybe", " semantic "]))) }
        if r.int(3) == 0 { h.append(("Cache-Control", r.pick(["no-cache", "no-store", "max-age=0", "max-age=-5", "max-age=abc", "max-age=99999999999999999999", ",,,", "private, no-cache"]))) }
        if r.int(3) == 0 { h.append(("x-tollgate-threshold", r.pick(["0.5", "1", "1.5", "-0", "nan", "inf", "", "0x10"]))) }
        if r.int(4) == 0 { h.append(("Authorization", r.pick(["Bearer", "Bearer ", "Basic abc", "bearer x", String(repeating: "k", count: 4000)]))) }
        if r.int(4) == 0 { h.append(("Content-Type", r.pick(["text/plain", "application/json; charset=latin1", ""]))) }
        return h
    }
}

@Suite("Fuzzing the live server")
struct FuzzLiveTests {
    @Test func tenThousandMutatedRequestsGetOnlyClientErrors() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: "limits: { max_body_bytes: 65536 }\nproviders:\n" + providerYAML("budget", port: mock.port))
        let url = gateway.url + "/v1/chat/completions"
        let total = 10_000
        let workers = 8
        let results = try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
            for w in 0..<workers {
                group.addTask {
                    var r = Xorshift(state: 0x9E37_79B9_7F4A_7C15 &+ UInt64(w) &* 0x1000_0001)
                    var bad: [(Int, String)] = []
                    for i in 0..<(total / workers) {
                        let body = Mutations.body(&r)
                        let headers = Mutations.headers(&r)
                        let reply = try await CurlClient.shared.send(UpstreamHTTPRequest(url: url, headers: headers, body: body))
                        if reply.status >= 500 || reply.status < 200 {
                            bad.append((reply.status, "worker \(w) case \(i): \(String(decoding: body.prefix(200), as: UTF8.self)) headers \(headers)"))
                        } else if reply.status >= 400, (try? JSONValue.parse(reply.body))?["error"]?["message"]?.stringValue == nil {
                            bad.append((reply.status, "not OpenAI-shaped: \(String(decoding: reply.body.prefix(200), as: UTF8.self))"))
                        }
                    }
                    return bad
                }
            }
            return try await group.reduce(into: [(Int, String)]()) { $0 += $1 }
        }
        #expect(results.isEmpty, "\(results.count) bad answers, first: \(results.prefix(3))")
        // A header that is not valid HTTP never reaches the router: NIO answers a bare 400.
        let invalidHTTP = try await CurlClient.shared.send(UpstreamHTTPRequest(url: url, headers: [("x-tollgate-cache", "\u{7f}")], body: Array(chatBody("x").utf8)))
        #expect(invalidHTTP.status == 400)
        // Still healthy and still correct afterwards.
        #expect(try await get(gateway.url + "/healthz").status == 200)
        let valid = try await post(url, chatBody("are you still there?"))
        #expect(valid.status == 200 && valid.content?.contains("still there") == true)
    }
}
