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

/// One request on its way through the pipeline: what the ingress adapter parsed, who asked,
/// what the cache may do, and the keys it is stored under. Built once after parsing; the
/// semantic stage adds the prompt, the upstream stage the settlement of the key's limits.
struct Exchange: Sendable {
    let dialect: any Dialect
    let request: ChatRequest
    let caller: Auth.Caller
    let directives: CacheDirectives
    let freshness: Freshness
    let requestID: String
    /// The exact key: endpoint-neutral, so every dialect's spelling of a request shares it.
    let key: CacheKey
    /// The raw body's key in this dialect (the fast path's alias).
    let rawKey: CacheKey
    let canonical: [UInt8]
    /// The semantic layer's view of the prompt, when the request takes part in it.
    var prompt: SemanticPrompt?
    /// Settles the key's token and budget limits with the real usage (tokens, USD).
    var settle: @Sendable (Int, Double) -> Void = { _, _ in }

    var tenant: String { caller.tenant }
    var target: AliasTarget { AliasTarget(key: key, stream: request.stream, includeUsage: request.includeUsage) }
    var alias: (CacheKey, AliasTarget) { (rawKey, target) }
}
