import Foundation
import HTTPTypes
import Logging
import NIOCore
import TollgateBase
import TollgateHTTPClient
import TollgateExactCache
import TollgateSemantic
import TollgateProviders
import TollgateRouting
import TollgateShared
import TollgateFixtures
import TollgateDialects
import Tracing

/// Offline mode's stage: answers from the fixtures instead of a provider.
extension Gateway {
    /// Answers from a fixture (exact, then semantic) or a 404 `offline_no_fixture` that names
    /// the tenant, says how near the nearest fixture was, and how to record one. A 404, not a
    /// 503: the SDKs retry 408, 409, 429 and 5xx, and a missing recording does not appear on
    /// a retry.
    func serveFixture(_ fixtures: FixtureSet, _ ex: Exchange) async throws(GatewayError) -> GatewayResponse {
        if let entry = fixtures.exact.lookup(ex.key, freshness: FixtureSet.freshness) ?? fixtureWithoutLimit(fixtures, ex) {
            return await answer(entry, ex)
        }
        var nearest = ""
        if let prompt = ex.prompt, let semantic = fixtures.semantic {
            let threshold = threshold(for: ex.request, directives: ex.directives)
            let found = semantic.lookup(prompt, threshold: threshold)
            let served = found.match.flatMap { fixtures.exact.lookup($0.key, freshness: FixtureSet.freshness) }
            noteLookup(found, served: served != nil)
            if let match = found.match, let entry = served {
                var response = await answer(entry, ex)
                response.markSemantic(match.similarity)
                noteSemanticHit(match, ex, source: "fixture")
                return response
            }
            if let blocked = found.guarded.max(by: { $0.similarity < $1.similarity }) {
                nearest = " The nearest fixture (similarity \(String(format: "%.4f", blocked.similarity))) was refused by the look-alike guard (check: \(blocked.check))."
            } else if let n = found.nearest {
                nearest = " The nearest fixture has similarity \(String(format: "%.4f", n)), below the threshold \(String(format: "%.2f", semantic.gate(threshold)))."
            } else {
                nearest = " No fixture of this tenant has the same system prompt and model."
            }
        }
        throw .offlineMiss("Offline mode: no fixture answers this request of tenant `\(ex.tenant)` (canonical key \(ex.key)).\(nearest) "
                           + "To record one, run `tollgate serve --config FILE --record DIR` against a real provider and send this request, "
                           + "then start with `tollgate serve --offline --fixtures DIR`.")
    }

    /// A fixture recorded without a token limit answers the same request with one (Messages always
    /// has `max_tokens`) when the recorded answer ended on its own (`finish_reason` stop) within
    /// that limit: it is the answer the limit allows. Offline only (the cache keys on the limit).
    func fixtureWithoutLimit(_ fixtures: FixtureSet, _ ex: Exchange) -> CacheEntry? {
        guard let limit = ex.request.maxTokens else { return nil }
        let unlimited = ex.request.body.removing(["stream", "stream_options", "max_tokens", "max_completion_tokens"])
        let key = CacheKey.exact(endpoint: Gateway.chatEndpoint, tenant: ex.tenant, canonical: unlimited.canonicalBytes)
        guard let entry = fixtures.exact.lookup(key, freshness: FixtureSet.freshness), entry.completionTokens <= limit,
              let body = try? JSONValue.parse(entry.body.readableBytesView),
              let choices = body["choices"]?.arrayValue, !choices.isEmpty,
              choices.allSatisfy({ $0["finish_reason"]?.stringValue == "stop" }) else { return nil }
        return entry
    }
}
