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

/// The Swift embedder against the independent reference (HuggingFace `tokenizers` ids and a float64 NumPy
/// forward pass) in `fixtures/embedder/reference.json`.
@Suite("MiniLM embedder vs. reference")
struct EmbedderReferenceTests {
    @Test("fixture covers the required variety")
    func fixtureShape() throws {
        let fixture = try EmbedderTestSupport.fixture()
        #expect(fixture.model == "all-MiniLM-L6-v2")
        #expect(fixture.max_tokens == 256)
        #expect(fixture.cases.count >= 30)
        #expect(fixture.cases.contains { $0.text.isEmpty })
        #expect(fixture.cases.contains { $0.ids.count == 256 }, "a text truncated at 256 tokens")
        for c in fixture.cases { #expect(c.embedding.count == 384) }
    }

    @Test("token ids equal HuggingFace tokenizers for every text")
    func tokenIDsMatch() throws {
        let fixture = try EmbedderTestSupport.fixture()
        let embedder = try EmbedderTestSupport.embedder()
        for (i, c) in fixture.cases.enumerated() {
            let ids = embedder.tokenize(c.text)
            #expect(ids == c.ids, """
                case \(i) \(c.text.debugDescription.prefix(60)): \
                got \(embedder.tokenizer.tokens(for: ids).prefix(40)), \
                expected \(c.tokens.prefix(40))
                """)
        }
    }

    @Test("embeddings have cosine ≥ 0.999 with the reference")
    func embeddingsMatch() throws {
        let fixture = try EmbedderTestSupport.fixture()
        let embedder = try EmbedderTestSupport.embedder()
        var worst = 1.0
        var worstDiff: Float = 0
        for (i, c) in fixture.cases.enumerated() {
            let e = embedder.embed(c.text)
            #expect(e.count == 384)
            let norm = EmbedderTestSupport.dot(e, e).squareRoot()
            #expect(abs(norm - 1) < 1e-4, "case \(i): norm \(norm)")
            let refNorm = EmbedderTestSupport.dot(c.embedding, c.embedding).squareRoot()
            let cosine = EmbedderTestSupport.dot(e, c.embedding) / (norm * refNorm)
            worst = min(worst, cosine)
            #expect(cosine >= 0.999, "case \(i) \(c.text.debugDescription.prefix(60)): cosine \(cosine)")
            let maxDiff = zip(e, c.embedding).map { abs($0 - $1) }.max() ?? 0
            worstDiff = max(worstDiff, maxDiff)
            #expect(maxDiff < 1e-4, "case \(i): max |Δ| \(maxDiff)")
        }
        print("embedder reference: worst cosine over \(fixture.cases.count) texts = \(worst), worst max |Δ| = \(worstDiff)")
    }

    @Test("embed(text) equals embed(tokenIDs:) of its tokens")
    func textAndIDsAgree() throws {
        let embedder = try EmbedderTestSupport.embedder()
        let text = "Semantic caches return a stored answer for a paraphrased question."
        #expect(embedder.embed(text) == (try embedder.embed(tokenIDs: embedder.tokenize(text))))
    }

    @Test("a paraphrase pair scores higher than an unrelated pair")
    func paraphraseBeatsUnrelated() throws {
        let embedder = try EmbedderTestSupport.embedder()
        let a = embedder.embed("How do I reset my password?")
        let b = embedder.embed("What is the procedure to change my password?")
        let c = embedder.embed("The weather in Paris is sunny today.")
        let paraphrase = MiniLMEmbedder.cosineSimilarity(a, b)
        let unrelated = MiniLMEmbedder.cosineSimilarity(a, c)
        #expect(paraphrase > 0.6)
        #expect(unrelated < 0.3)
        #expect(paraphrase > unrelated + 0.3)
    }

    /// Scores published in the sentence-transformers documentation for all-MiniLM-L6-v2.
    @Test("published sentence-transformers similarity scores", arguments: [
        ("The cat sits outside", "The dog plays in the garden", 0.2838),
        ("A man is playing guitar", "A woman watches TV", -0.0327),
        ("The new movie is awesome", "The new movie is so great", 0.8939),
    ])
    func publishedScores(a: String, b: String, expected: Double) throws {
        let embedder = try EmbedderTestSupport.embedder()
        let score = Double(MiniLMEmbedder.cosineSimilarity(embedder.embed(a), embedder.embed(b)))
        #expect(abs(score - expected) < 0.001, "\(a) / \(b): \(score)")
    }

    @Test("concurrent calls give the same vectors as serial ones")
    func concurrentCalls() async throws {
        let embedder = try EmbedderTestSupport.embedder()
        let texts = (0..<16).map { "request number \($0) about caching, tokens and latency" }
        let serial = texts.map { embedder.embed($0) }
        let parallel = await withTaskGroup(of: (Int, [Float]).self) { group in
            for (i, t) in texts.enumerated() { group.addTask { (i, embedder.embed(t)) } }
            var out = [[Float]](repeating: [], count: texts.count)
            for await (i, e) in group { out[i] = e }
            return out
        }
        #expect(parallel == serial)
    }

    @Test("embed(tokenIDs:) rejects bad input")
    func badTokenIDs() throws {
        let embedder = try EmbedderTestSupport.embedder()
        #expect(throws: EmbedderError.self) { try embedder.embed(tokenIDs: []) }
        #expect(throws: EmbedderError.self) { try embedder.embed(tokenIDs: [Int32](repeating: 1000, count: 257)) }
        #expect(throws: EmbedderError.self) { try embedder.embed(tokenIDs: [101, 30522, 102]) }
        #expect(throws: EmbedderError.self) { try embedder.embed(tokenIDs: [101, -1, 102]) }
        #expect(try embedder.embed(tokenIDs: [101]).count == 384)
    }

    @Test("the model's tensors are where the header says, without a bert. prefix")
    func tensorLayout() throws {
        let file = try SafetensorsFile(
            path: EmbedderTestSupport.modelDirectory.appendingPathComponent("model.safetensors").path)
        #expect(file.metadata["format"] == "pt")
        #expect(try file.info("embeddings.word_embeddings.weight").shape == [30522, 384])
        #expect(try file.info("encoder.layer.5.intermediate.dense.weight").shape == [1536, 384])
        #expect(try file.info("encoder.layer.5.output.dense.weight").shape == [384, 1536])
        #expect(try file.info("embeddings.position_ids").dtype == "I64")
        #expect(throws: SafetensorsError.wrongDType(name: "embeddings.position_ids", expected: "F32", actual: "I64")) {
            try file.float32("embeddings.position_ids")
        }
    }
}
