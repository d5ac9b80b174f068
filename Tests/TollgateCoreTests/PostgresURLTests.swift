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

@Suite("Shared tier: PostgreSQL URL and config")
struct PostgresURLTests {
    @Test func parsesALibpqURLAndNeverPrintsThePassword() throws {
        let url = try PostgresURL("postgres://tg:s%40cret@db.internal:6543/cache?sslmode=require")
        #expect(url.host == "db.internal" && url.port == 6543 && url.user == "tg" && url.database == "cache" && url.sslMode == "require")
        #expect(url.password == "s@cret", "percent-encoded passwords are decoded")
        #expect(url.description == "postgres://tg@db.internal:6543/cache")
        #expect(!"\(url)".contains("cret"))
    }

    @Test func defaultsFollowLibpq() throws {
        let url = try PostgresURL("postgresql://tollgate@127.0.0.1")
        #expect(url.port == 5432 && url.database == "tollgate" && url.sslMode == "prefer" && url.password == nil)
    }

    @Test(arguments: ["mysql://u:p@h/db", "postgres:///db", "postgres://h:5432/db", "postgres://u:p@h/db?sslmode=sometimes", "not a url"])
    func rejectsWhatIsNotAPostgresURL(_ text: String) {
        #expect(throws: SharedTierError.self) { try PostgresURL(text) }
        do { _ = try PostgresURL(text) } catch { #expect(!"\(error)".contains(":p@"), "the error does not echo the URL's password") }
    }

    @Test func sharedConfigKeys() throws {
        let c = try ConfigLoader.parse("cache: { shared: { kind: postgres, url_env: MY_PG, read_timeout_ms: 100, wait_ms: 0, follow: false } }\nproviders: []\n", file: "t.yaml")
        #expect(c.cache.shared?.urlEnv == "MY_PG")
        #expect(c.cache.shared?.readTimeoutMs == 100 && c.cache.shared?.waitMs == 0 && c.cache.shared?.follow == false)
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("cache: { shared: { kind: redis } }\n", file: "t.yaml") }
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("cache: { shared: { url: postgres://x } }\n", file: "t.yaml") }
    }
}
