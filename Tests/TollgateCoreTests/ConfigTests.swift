import Testing
import TollgateCore
@testable import TollgateBase
@testable import TollgateHTTPClient
@testable import TollgateExactCache
@testable import TollgateSemantic
@testable import TollgateProviders
@testable import TollgateRouting
@testable import TollgateShared
@testable import TollgateFixtures
@testable import TollgateDialects
@testable import TollgatePipeline
@testable import TollgateServer
@testable import TollgateMock
@testable import TollgateBench

@Suite("Configuration")
struct ConfigTests {
    static let full = """
    listen: { host: 0.0.0.0, port: 9000 }
    data_dir: /var/lib/tollgate
    cache:
      ttl_seconds: 3600
      semantic: { enabled: false, embedder: hashing, threshold: 0.9 }
      shared: { kind: postgres, url_env: PG }
    limits: { max_body_bytes: 1024 }
    routing: { strategy: cheapest }
    providers:
      - name: budget
        kind: anthropic
        base_url: http://127.0.0.1:9101/v1/
        api_key_env: BUDGET_API_KEY
        models:
          - name: gpt-4o-mini
            upstream: claude-haiku
            input_usd_per_mtok: 0.15
            output_usd_per_mtok: 0.60
            context_window: 200000
            capabilities: [stream, tools]
    keys:
      - key_env: TEAM_A_KEY
        tenant: team-a
        requests_per_minute: 600
        usd_per_day: 20
    """

    @Test func readsEveryKey() throws {
        let c = try ConfigLoader.parse(Self.full)
        #expect(c.listen.host == "0.0.0.0" && c.listen.port == 9000)
        #expect(c.dataDir == "/var/lib/tollgate")
        #expect(c.cache.ttlSeconds == 3600)
        #expect(c.cache.semantic.enabled == false && c.cache.semantic.embedder == "hashing" && c.cache.semantic.threshold == 0.9)
        #expect(c.cache.shared?.urlEnv == "PG")
        #expect(c.limits.maxBodyBytes == 1024)
        let p = try #require(c.providers.first)
        #expect(p.kind == .anthropic && p.apiKeyEnv == "BUDGET_API_KEY")
        #expect(p.chatURL == "http://127.0.0.1:9101/v1/messages", "one slash between base_url and the path")
        #expect(p.models[0].upstream == "claude-haiku" && p.models[0].contextWindow == 200_000 && p.models[0].capabilities == [.stream, .tools])
        #expect(c.keys[0].tenant == "team-a" && c.keys[0].requestsPerMinute == 600 && c.keys[0].usdPerDay == 20)
    }

    @Test func openAIBaseURLJoining() {
        #expect(ProviderConfig(name: "a", kind: .openai, baseURL: "https://api.example.com/v1", models: []).chatURL == "https://api.example.com/v1/chat/completions")
        #expect(ProviderConfig(name: "a", kind: .openai, baseURL: "https://api.example.com/v1//", models: []).chatURL == "https://api.example.com/v1/chat/completions")
    }

    @Test func errorsNameTheKeyAndLine() {
        let yaml = """
        listen: { port: 8080 }
        providers:
          - name: budget
            base_url: http://x/v1
            models:
              - name: m
                input_usd_per_mtok: cheap
        """
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml, file: "t.yaml") }
        #expect(error?.key == "providers[0].models[0].input_usd_per_mtok")
        #expect(error?.line == 7)
        #expect(error?.description.hasPrefix("t.yaml:7: providers[0].models[0].input_usd_per_mtok") == true)
    }

    @Test(arguments: [
        ("cache: { ttl_second: 5 }", "cache.ttl_second"),
        ("listen: { port: 70000 }", "listen.port"),
        ("routing: { strategy: random }", "routing.strategy"),
        ("providers: [{ name: a, base_url: ftp://x, models: [{name: m}] }]", "providers[0].base_url"),
        ("providers: [{ name: a, base_url: http://x }]", "providers[0].models"),
        ("providers: [{ name: a, base_url: http://x, models: [{name: m, capabilities: [telepathy]}] }]", "providers[0].models[0].capabilities[0]"),
        ("keys: [{ tenant: a }]", "keys[0]"),
        ("limits: { max_body_bytes: -1 }", "limits.max_body_bytes"),
        ("cache: { semantic: { thresholds: { m: 1.5 } } }", "cache.semantic.thresholds.m"),
        ("cache: { semantic: { thresholds: { other: 0.9 } } }\nproviders: [{ name: a, base_url: http://x, models: [{name: m}] }]", "cache.semantic.thresholds.other"),
        ("providers: [{ name: a, base_url: http://x, models: [{name: m, threshold: 0.95}] }]", "providers[0].models[0].threshold"),
        ("cache: { semantic: { skip_unreadable: sometimes } }", "cache.semantic.skip_unreadable"),
    ])
    func rejectsBadValues(yaml: String, key: String) {
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml) }
        #expect(error?.key == key, "\(error?.description ?? "")")
    }

    /// `cache.semantic.thresholds` by the model name clients send; other models get `threshold`.
    @Test func perModelThresholds() throws {
        let c = try ConfigLoader.parse("""
        cache: { semantic: { threshold: 0.9, thresholds: { medical: 0.97 }, skip_unreadable: false } }
        providers: [{ name: a, base_url: http://x, models: [{name: medical}, {name: chat}] }]
        """)
        #expect(c.cache.semantic.threshold(forModel: "medical") == 0.97)
        #expect(c.cache.semantic.threshold(forModel: "chat") == 0.9)
        #expect(c.cache.semantic.skipUnreadable == false)
        let moved = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse("providers: [{ name: a, base_url: http://x, models: [{name: m, threshold: 0.95}] }]")
        }
        #expect(moved?.description.contains("cache.semantic.thresholds: { m: VALUE }") == true, "\(moved?.description ?? "")")
    }

    @Test func duplicateProviderNamesAreRejected() {
        let yaml = "providers: [{ name: a, base_url: http://x, models: [{name: m}] }, { name: a, base_url: http://y, models: [{name: m}] }]"
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml) }
    }

    @Test func invalidYAMLIsAnError() {
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("listen: [unclosed") }
    }

    @Test func embeddedDefaultParses() {
        let c = DefaultConfig.config()
        #expect(c.listen.host == "127.0.0.1" && c.listen.port == 8080 && c.dataDir == ".tollgate")
        #expect(!c.providers.isEmpty)
    }
}
