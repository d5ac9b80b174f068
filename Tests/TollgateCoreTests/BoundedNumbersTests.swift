import HTTPTypes
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

/// Every number that comes from outside — body, header, upstream — is bounded before any
/// arithmetic on it, so no input can trap the process.
@Suite("Bounded numbers")
struct BoundedNumbersTests {
    @Test func upstreamCountsAreClampedNotTrapped() throws {
        #expect(JSONValue.number("9223372036854775807").countValue == Tokens.ceiling)
        #expect(JSONValue.number("-5").countValue == 0)
        #expect(JSONValue.number("12").countValue == 12)
        #expect(JSONValue.number("1.5").countValue == nil)
        // An Anthropic answer that claims Int.max tokens each way is read without a trap.
        let answer = try JSONValue.parse(#"{"id":"m","type":"message","model":"claude","stop_reason":"end_turn","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":9223372036854775807,"output_tokens":9223372036854775807}}"#)
        let translated = try AnthropicProvider.translateResponse(answer, requestedModel: "claude", provider: "a")
        #expect(translated.promptTokens == Tokens.ceiling && translated.completionTokens == Tokens.ceiling)
    }

    @Test func requestIntegersOutsideTheirRangeNameTheField() {
        for (field, value) in [("max_tokens", "9223372036854775807"), ("max_completion_tokens", "0"), ("n", "129"), ("top_logprobs", "21"), ("seed", "1e40"), ("n", "2.5")] {
            let body = #"{"model":"m","messages":[{"role":"user","content":"x"}],"\#(field)":\#(value)}"#
            #expect(throws: GatewayError.self, "\(field)=\(value)") { try ChatRequest(body: Array(body.utf8)) }
            do { _ = try ChatRequest(body: Array(body.utf8)) } catch { #expect(error.param == field) }
        }
        let fine = #"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":100,"n":128,"seed":-9223372036854775808}"#
        #expect((try? ChatRequest(body: Array(fine.utf8)))?.maxTokens == 100)
    }

    @Test func maxAgePastTwoToTheThirtyOneIsTwoToTheThirtyOne() throws {
        var headers = HTTPFields()
        headers[.cacheControl] = "max-age=9223372036854775807"
        #expect(try CacheDirectives(headers: headers).maxAge == CacheDirectives.maxDeltaSeconds)
        headers[.cacheControl] = "max-age=123456789012345678901234567890"
        #expect(try CacheDirectives(headers: headers).maxAge == CacheDirectives.maxDeltaSeconds)
        let fresh = Freshness(ttlSeconds: 86_400, maxAgeSeconds: CacheDirectives.maxDeltaSeconds)
        #expect(fresh.accepts(ageMs: 1000))
        #expect(Freshness(ttlSeconds: .max, maxAgeSeconds: .max).accepts(ageMs: 1 << 50))
    }
}
