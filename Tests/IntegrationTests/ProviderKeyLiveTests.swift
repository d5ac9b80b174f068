import Foundation
import Testing
import TollgateCore

/// An upstream that quotes the gateway's provider key back (`Incorrect API key provided: …`)
/// never gets that key to a client or into a log line; a refused provider key is the
/// provider's failure (502 naming it), not the client's 401.
@Suite("Provider keys never reach clients, live")
struct ProviderKeyLiveTests {
    static let key = "sk-proj-EchoedKey0123456789abcdefXYZ"

    func gateway(echoStatus: Int) async throws -> (TollgateProcess, TollgateProcess) {
        setenv("TOLLGATE_IT_ECHO_KEY", Self.key, 1)
        let mock = try await startMock(["--echo-key-with-status", "\(echoStatus)"])
        let config = """
            providers:
              - name: keyed
                kind: openai
                base_url: http://127.0.0.1:\(mock.port)/v1
                api_key_env: TOLLGATE_IT_ECHO_KEY
                models:
                  - { name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.6, context_window: 128000, capabilities: [stream] }

            """
        let (gateway, _) = try await startGateway(config: config, extra: ["--log-level", "debug"])
        return (mock, gateway)
    }

    @Test func aRefusedProviderKeyIsA502NamingTheProviderWithTheKeyRedacted() async throws {
        for status in [401, 403] {
            let (mock, gateway) = try await gateway(echoStatus: status)
            let chat = gateway.url + "/v1/chat/completions"
            for extra in ["", #","stream":true"#] {
                let r = try await post(chat, chatBody("key echo probe", extra: extra))
                #expect(r.status == 502, "\(status)\(extra): \(r.text)")
                #expect(!r.text.contains(Self.key), "the provider key reached the client: \(r.text)")
                #expect(!r.text.contains("EchoedKey"), "a part of the key reached the client: \(r.text)")
                #expect(r.text.contains("keyed"), "the 502 names the provider: \(r.text)")
            }
            let m = try await post(gateway.url + "/v1/messages", #"{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"user","content":"key echo"}]}"#)
            #expect(m.status == 502, "\(m.text)")
            #expect(!m.text.contains("EchoedKey"), "\(m.text)")
            #expect(!gateway.log.contains("EchoedKey"), "the provider key is in a log line")
            #expect(gateway.log.contains("[redacted]"), "the log still says what the upstream answered, redacted")
            withExtendedLifetime(mock) {}
        }
    }

    /// A provider whose `api_key_env` is unset: a warning at start naming the variable, a
    /// refusal to start with `--strict`, and a 502 naming provider and variable (not the
    /// upstream's 401, which reads as if the client's own key were wrong).
    @Test func anUnsetProviderKeyIsNamedAtStartAndInThe502() async throws {
        unsetenv("TOLLGATE_IT_NEVER_SET_KEY")
        let mock = try await startMock(["--echo-key-with-status", "401"])
        defer { withExtendedLifetime(mock) {} }
        let config = """
            providers:
              - name: keyless
                kind: openai
                base_url: http://127.0.0.1:\(mock.port)/v1
                api_key_env: TOLLGATE_IT_NEVER_SET_KEY
                models:
                  - { name: gpt-4o-mini, input_usd_per_mtok: 0.15, output_usd_per_mtok: 0.6, context_window: 128000, capabilities: [stream] }
                  - { name: text-embedding-3-small, input_usd_per_mtok: 0.02, output_usd_per_mtok: 0 }

            """
        let (gateway, dir) = try await startGateway(config: config)
        let warning = logLines(gateway).first { $0["level"]?.stringValue == "warning" && $0["msg"]?.stringValue?.contains("TOLLGATE_IT_NEVER_SET_KEY") == true }
        #expect(warning?["msg"]?.stringValue?.contains("keyless") == true, "no start-up warning naming the variable: \(gateway.log)")
        for (path, body) in [("/v1/chat/completions", chatBody("who holds the key?")), ("/v1/chat/completions", chatBody("streamed key?", extra: #","stream":true"#)),
                             ("/v1/embeddings", #"{"model":"text-embedding-3-small","input":"key?"}"#)] {
            let r = try await post(gateway.url + path, body)
            #expect(r.status == 502, "\(path): \(r.status) \(r.text)")
            let message = r.json?["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("keyless") && message.contains("TOLLGATE_IT_NEVER_SET_KEY"), "\(path): \(message)")
        }
        let strict = try runTollgate(["serve", "--config", dir + "/tollgate.yaml", "--port", "0", "--strict"], timeout: 30)
        #expect(strict.status == 2, "--strict starts anyway: \(strict.stderr)")
        #expect(strict.stderr.contains("--strict") && strict.stderr.contains("TOLLGATE_IT_NEVER_SET_KEY"), "\(strict.stderr)")
    }

    @Test func anUpstream4xxPassedBackIsRedactedToo() async throws {
        let (mock, gateway) = try await gateway(echoStatus: 400)
        defer { withExtendedLifetime(mock) {} }
        let r = try await post(gateway.url + "/v1/chat/completions", chatBody("key echo 400"))
        #expect(r.status == 400, "\(r.text)")
        #expect(r.text.contains("Incorrect API key provided"), "the upstream's message is passed back: \(r.text)")
        #expect(!r.text.contains("EchoedKey"), "\(r.text)")
        #expect(!gateway.log.contains("EchoedKey"))
    }

    @Test func secretLookingTokensAreRedacted() {
        Secrets.register(values: ["configured-secret-value"])
        let out = Secrets.redact("key configured-secret-value, Authorization: Bearer abc.def-123 and sk-ant-api03-XYZxyz_09 \"x-api-key\": \"k-12345\"")
        #expect(!out.contains("configured-secret-value"))
        #expect(!out.contains("abc.def-123"))
        #expect(!out.contains("XYZxyz_09"))
        #expect(!out.contains("k-12345"))
        #expect(Secrets.redact("nothing secret here") == "nothing secret here")
    }
}
