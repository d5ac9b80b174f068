import Foundation
import Testing
import TollgateCore

/// `limits.upstream_timeout_ms` bounds the wait for the first byte and
/// `upstream_idle_timeout_ms` a gap between two bytes — never the length of a healthy stream.
@Suite("Long healthy streams are not cut, live")
struct LongStreamLiveTests {
    @Test func aStreamLongerThanEveryTimeoutCompletesAndIsStored() async throws {
        let mock = try await startMock(["--chunk-delay-ms", "150"])
        let (gateway, _) = try await startGateway(config: "limits: { upstream_timeout_ms: 1000, upstream_idle_timeout_ms: 1000 }\nproviders:\n" + providerYAML("budget", port: mock.port))
        let body = chatBody(String(repeating: "long ", count: 20), extra: #","stream":true"#)  // ~25 events, ~3.5 s
        let started = Date()
        let r = try await post(gateway.url + "/v1/chat/completions", body)
        #expect(Date().timeIntervalSince(started) > 1.5, "the stream outlasts both timeouts")
        #expect(r.status == 200)
        #expect(r.text.contains("data: [DONE]"), "the stream was cut: \(r.text.suffix(300))")
        #expect(!r.text.contains("upstream_stream_failed"))
        #expect(try await post(gateway.url + "/v1/chat/completions", body).cache == "hit", "a complete stream is stored")
    }

    @Test func aStreamThatStallsPastTheIdleTimeoutFails() async throws {
        let mock = try await startMock(["--chunk-delay-ms", "2500"])
        let (gateway, _) = try await startGateway(config: "limits: { upstream_timeout_ms: 12000, upstream_idle_timeout_ms: 1000 }\nproviders:\n" + providerYAML("budget", port: mock.port))
        let started = Date()
        let r = try await post(gateway.url + "/v1/chat/completions", chatBody("stalling stream", extra: #","stream":true"#))
        // Cut by the 1 s idle timeout, not the 12 s total (wide margin for a loaded machine).
        #expect(Date().timeIntervalSince(started) < 9, "an idle gap of 2.5 s is cut at about 1 s")
        // Cut before the first content event or after: a 504, or an error event — never [DONE].
        #expect(r.status == 504 || r.text.contains("upstream_stream_failed"), "\(r.status): \(r.text.suffix(300))")
        #expect(!r.text.contains("data: [DONE]"))
    }
}
