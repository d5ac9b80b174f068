import Testing
import TollgateCore
@testable import TollgateBase
@testable import TollgateProviders
@testable import TollgateDialects

/// Providers' own prompt caches: cached and cache-written input tokens are priced at their own
/// rates, and the counts survive the trip through the internal form to every dialect.
@Suite("Provider prompt caching: usage and cost")
struct PromptCacheCostTests {
    let model = ModelConfig(name: "m", inputUSDPerMTok: 3, outputUSDPerMTok: 15)

    @Test func anthropicCacheReadsAndWritesArePricedApart() throws {
        // 100 plain input tokens, 1,000 read from the cache, 200 written to it, 50 out.
        let usage = AnthropicProvider.chatUsage(try JSONValue.parse(#"{"input_tokens":100,"cache_read_input_tokens":1000,"cache_creation_input_tokens":200,"output_tokens":50}"#))
        let t = TokenUsage(chat: usage)
        #expect(t == TokenUsage(promptTokens: 1300, completionTokens: 50, cachedTokens: 1000, cacheWriteTokens: 200))
        let cost = Money.cost(t, model: model, kind: .anthropic)
        let expected: Double = (300.0 + 300.0 + 750.0 + 750.0) / 1e6  // 100 × 3 + 1,000 × 0.3 + 200 × 3.75 + 50 × 15
        #expect(abs(cost - expected) < 1e-12)
        // Without the cache it would have cost the full input price on all 1,300 tokens.
        #expect(cost < Money.cost(promptTokens: 1300, completionTokens: 50, inputPerMTok: 3, outputPerMTok: 15))
    }

    @Test func openAICachedTokensAreHalfPriceUnlessConfigured() throws {
        let t = TokenUsage(chat: try JSONValue.parse(#"{"prompt_tokens":2000,"completion_tokens":10,"prompt_tokens_details":{"cached_tokens":1500}}"#))
        #expect(abs(Money.cost(t, model: model, kind: .openai) - (1500.0 + 2250.0 + 150.0) / 1e6) < 1e-12)
        var priced = model
        priced.cachedInputUSDPerMTok = 0.3
        #expect(abs(Money.cost(t, model: priced, kind: .openai) - (1500.0 + 450.0 + 150.0) / 1e6) < 1e-12)
        // A hostile count larger than the prompt cannot make the cost negative.
        let odd = TokenUsage(chat: try JSONValue.parse(#"{"prompt_tokens":10,"completion_tokens":0,"prompt_tokens_details":{"cached_tokens":99999}}"#))
        #expect(odd.cachedTokens == 10 && Money.cost(odd, model: model, kind: .openai) >= 0)
    }

    @Test func messagesRenderingGivesAnthropicsOwnCounts() throws {
        let completion: JSONValue = ["id": "chatcmpl-1", "model": "m", "choices": [["index": 0, "message": ["role": "assistant", "content": "hi"], "finish_reason": "stop"]],
                                     "usage": AnthropicProvider.chatUsage(try JSONValue.parse(#"{"input_tokens":100,"cache_read_input_tokens":1000,"cache_creation_input_tokens":200,"output_tokens":50}"#))]
        let u = MessagesTranslation.message(from: completion)["usage"]
        #expect(u?["input_tokens"]?.intValue == 100 && u?["cache_read_input_tokens"]?.intValue == 1000)
        #expect(u?["cache_creation_input_tokens"]?.intValue == 200 && u?["output_tokens"]?.intValue == 50)
    }
}
