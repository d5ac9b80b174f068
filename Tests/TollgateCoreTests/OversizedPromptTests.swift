import Foundation
import NIOCore
import Synchronization
import Testing

import TollgateCore
@testable import TollgateBase
@testable import TollgateExactCache
@testable import TollgateSemantic
@testable import TollgatePipeline

/// An embedder that counts its calls (and embeds like the hashing one).
final class CountingEmbedder: Embedder {
    let calls = Atomic<Int>(0)
    let inner = HashingEmbedder()
    var dimension: Int { inner.dimension }
    var name: String { "counting" }
    func embed(_ text: String) async throws -> [Float] {
        calls.wrappingAdd(1, ordering: .relaxed)
        return try inner.embed(text)
    }
}

/// A prompt no candidate's context window can take is a 400 before the semantic layer (or the
/// guard) spends anything on it; the tokenizer reads a bounded prefix of any text.
@Suite("Oversized prompts")
struct OversizedPromptTests {
    @Test func aPromptPastEveryContextWindowIsA400BeforeAnyEmbedding() async throws {
        var config = GatewayConfig()
        config.providers = [ProviderConfig(name: "small", kind: .openai, baseURL: "http://127.0.0.1:1/v1",
                                           models: [ModelConfig(name: "gpt-4o-mini", inputUSDPerMTok: 0.15, outputUSDPerMTok: 0.6, contextWindow: 1000)])]
        let embedder = CountingEmbedder()
        let semantic = SemanticCache(embedder: embedder, store: MemoryStore())
        let gateway = Gateway(config: config, store: MemoryStore(), semantic: semantic)
        let prompt = String(repeating: "too long ", count: 2000)  // ~18 KB, ~4,500 tokens > 1,000
        let body = ByteBuffer(string: #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"\#(prompt)"}]}"#)
        let r = await gateway.chat(body: body, headers: [:], requestID: "t")
        #expect(r.status.code == 400)
        #expect(String(buffer: r.body).contains("context_length_exceeded"))
        #expect(embedder.calls.load(ordering: .relaxed) == 0, "the oversized prompt was embedded")
    }

    @Test func theTokenizerReadsABoundedPrefixOfAHugeText() throws {
        let tok = try WordPieceTokenizer(vocabulary: WordPieceTokenizerTests.vocabulary)
        let huge = String(repeating: " ", count: 4 << 20) + "hello"
        let started = ContinuousClock.now
        #expect(tok.encode(huge, maxLength: 8) == [2, 3], "the text past the scalar budget is not read")
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(tok.encode(String(repeating: "hello ", count: 1 << 20)).count == 256)
    }
}
