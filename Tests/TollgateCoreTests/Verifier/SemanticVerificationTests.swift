import Foundation
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

/// The semantic cache with the pair verifier on: paraphrases the cosine-only default blocks are served,
/// the issue's look-alikes are refused (by the look-alike guard or the verifier).
@Suite("Semantic cache with the pair verifier")
struct SemanticVerificationTests {
    static func cache(_ dir: String) throws -> SemanticCache {
        let embedder = try EmbedderTestSupport.embedder()
        let verifier = try PairVerifierReferenceTests.verifier()
        return SemanticCache(embedder: embedder, store: try LMDBStore(directory: dir, mapSize: 16 << 20),
                             verification: SemanticVerification(verifier: verifier))
    }

    func request(_ text: String) throws -> ChatRequest {
        let quoted = String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
        return try ChatRequest(body: Array(#"{"model":"m","messages":[{"role":"user","content":\#(quoted)}]}"#.utf8))
    }

    func served(_ cached: String, _ query: String) async throws -> (Bool, [String]) {
        let cache = try Self.cache(temporaryDirectory())
        let p = try #require(await cache.prompt(endpoint: "e", tenant: "t", request: try request(cached)))
        await cache.add(p, key: CacheKey.hash("test", "e", "t", Array(cached.utf8)))
        let q = try #require(await cache.prompt(endpoint: "e", tenant: "t", request: try request(query)))
        let found = cache.lookup(q, threshold: SemanticCache.defaultThreshold)
        return (found.match != nil, found.guarded.map(\.reason))
    }

    @Test("a paraphrase the cosine-only guard blocked is served", arguments: [
        ("How do I reverse a list in Python?", "How can I reverse a list in Python?"),
    ])
    func paraphraseServed(_ pair: (String, String)) async throws {
        let (hit, reasons) = try await served(pair.0, pair.1)
        #expect(hit, "\(pair.0) / \(pair.1): refused \(reasons)")
    }

    @Test("the issue's look-alikes are refused", arguments: [
        ("What is 7 divided by 2?", "What is 2 divided by 7?"),
        ("Subtract 3 from 10", "Subtract 10 from 3"),
        ("2 to the power of 10", "10 to the power of 2"),
        ("Book a table for 2 at 8 pm", "Book a table for 8 at 2 pm"),
        ("What's the weather in Paris today?", "What's the weather in Paris tomorrow?"),
        ("What did I spend last month?", "What did I spend this month?"),
        ("Find flights from Paris to Rome", "Find flights from Rome to Paris"),
    ])
    func lookalikeRefused(_ pair: (String, String)) async throws {
        let (hit, _) = try await served(pair.0, pair.1)
        #expect(!hit, "\(pair.0) / \(pair.1) was served")
    }

    @Test func numberOrderRule() {
        #expect(LookalikeGuard.digitRuns("Pay $1,000 at 3.5 % for 12 months.") == ["1000", "3.5", "12"])
        #expect(LookalikeGuard.numberOrder("What is 7 divided by 2?", "What's 2 / 7?") != nil)
        #expect(LookalikeGuard.numberOrder("What is 7 divided by 2?", "Divide 7 by 2") == nil)
        #expect(LookalikeGuard.numberOrder("Book a table for 2 at 8 pm", "Book a table for 8 at 2 pm") != nil)
        #expect(LookalikeGuard.numberOrder("Top 5 movies", "Top 10 movies") == nil, "other numbers: the guard's numbers check")
        // In the guard itself, so `verifier: false` refuses the same numbers in another order too.
        let v = LookalikeGuard().verdict(query: "What is 7 divided by 2?", cached: "What is 2 divided by 7?")
        #expect(!v.pass && v.kind == .numbers, "\(v)")
    }

    /// The look-alikes of the checks the verifier replaced (names, negation, qualifiers, the task):
    /// they were the full guard's tests and are now the verifier path's (`VerifierLookalikes`).
    @Test("the replaced checks' look-alikes are refused through the verifier path", arguments: VerifierLookalikes.all)
    func replacedChecksLookalikeRefused(_ pair: (String, String)) async throws {
        let (hit, _) = try await served(pair.0, pair.1)
        #expect(!hit, "\(pair.0) / \(pair.1) was served")
    }

    @Test func configReadsTheVerifier() throws {
        let c = try ConfigLoader.parse("""
            cache:
              semantic: { verifier: { path: /x/v.safetensors, threshold: 0.7, candidate_threshold: 0.82 } }
            """)
        let v = try #require(c.cache.semantic.verifier)
        #expect(v.path == "/x/v.safetensors" && v.threshold == 0.7 && v.candidateThreshold == 0.82)
        // On by default; `verifier: false` turns it off, `verifier: true` asks for the defaults.
        #expect(try ConfigLoader.parse("cache: { semantic: { threshold: 0.9 } }").cache.semantic.verifier == GatewayConfig.VerifierSettings())
        #expect(try ConfigLoader.parse("cache: { semantic: { verifier: false } }").cache.semantic.verifier == nil)
        #expect(try ConfigLoader.parse("cache: { semantic: { verifier: true } }").cache.semantic.verifier == GatewayConfig.VerifierSettings())
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("cache: { semantic: { verifier: maybe } }") }
    }
}
