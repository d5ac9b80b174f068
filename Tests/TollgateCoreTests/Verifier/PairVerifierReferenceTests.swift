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

/// The Swift pair verifier against the PyTorch model (`fixtures/verifier/reference.json`, written by
/// `training/verifier/make_reference.py` from the committed fp16 weights, in float64).
@Suite("Pair verifier vs. PyTorch reference")
struct PairVerifierReferenceTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let a: String
            let b: String
            let ids: [Int32]
            let token_types: [Int32]
            let logit: Float
            let probability: Float
        }
        let model: String
        let max_tokens: Int
        let cases: [Case]
    }

    static let verifierFile = EmbedderTestSupport.packageRoot.appendingPathComponent("models/verifier/pair-verifier.safetensors")
    static let fixtureURL = EmbedderTestSupport.packageRoot.appendingPathComponent("fixtures/verifier/reference.json")
    static let loaded: Result<PairVerifier, any Error> = Result {
        try PairVerifier(verifierFile: verifierFile, modelDirectory: EmbedderTestSupport.modelDirectory)
    }

    static func verifier() throws -> PairVerifier {
        do { return try loaded.get() } catch {
            Issue.record("cannot load the verifier (\(verifierFile.path)) with \(EmbedderTestSupport.modelDirectory.path): \(error); run `make model`")
            throw error
        }
    }

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixtureURL))
    }

    @Test("pair ids and token types equal the trainer's")
    func pairTokensMatch() throws {
        let v = try Self.verifier()
        let f = try Self.fixture()
        #expect(f.max_tokens == v.maxTokens)
        #expect(f.cases.count >= 10)
        #expect(f.cases.contains { $0.ids.count == v.maxTokens }, "a truncated pair")
        for (i, c) in f.cases.enumerated() {
            let (ids, types) = v.pairTokens(c.a, c.b)
            #expect(ids == c.ids, "case \(i): \(v.tokenizer.tokens(for: ids)) vs \(v.tokenizer.tokens(for: c.ids))")
            #expect(types == c.token_types, "case \(i)")
        }
    }

    @Test("logits within 1e-3 of PyTorch's")
    func logitsMatch() throws {
        let v = try Self.verifier()
        let f = try Self.fixture()
        var worst: Float = 0
        for (i, c) in f.cases.enumerated() {
            let z = v.logit(c.a, c.b)
            worst = max(worst, abs(z - c.logit))
            #expect(abs(z - c.logit) < 1e-3, "case \(i) \(c.a.prefix(40).debugDescription): \(z) vs \(c.logit)")
            #expect(abs(v.score(c.a, c.b) - c.probability) < 1e-3, "case \(i) probability")
        }
        print("pair verifier reference: worst |Δlogit| over \(f.cases.count) pairs = \(worst)")
    }
}
