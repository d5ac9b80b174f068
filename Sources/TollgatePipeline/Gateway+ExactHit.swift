import HTTPTypes
import NIOCore
import TollgateBase
import TollgateDialects
import TollgateExactCache

extension Gateway {
    /// A chat completions request answered at once from the raw-body alias — the pipeline's first
    /// stage, run synchronously for the HTTP layer's event-loop fast path: the same checks, headers,
    /// stats and time series as through `handle`. Nil when the request needs anything more (no alias,
    /// a streamed or expired answer, a cache directive that skips the lookup, a 401 or 429 to write):
    /// the caller then hands it to `handle`, which answers it as always. Bind `AccessRecord.current`
    /// around the call for the access-log line.
    public func exactHitNow(body: ByteBuffer, headers: HTTPFields, requestID: String) -> GatewayResponse? {
        let started = ContinuousClock.now
        let dialect = chatDialect
        guard let caller = try? auth.caller(for: headers), let directives = try? CacheDirectives(headers: headers) else { return nil }
        let freshness = Freshness(ttlSeconds: config.cache.ttlSeconds, maxAgeSeconds: directives.maxAge)
        let rawKey = CacheKey.raw(endpoint: dialect.endpoint, tenant: caller.tenant, body: body.readableBytesView)
        guard let (target, entry) = aliasHit(dialect, rawKey: rawKey, directives: directives, freshness: freshness), !target.stream else { return nil }
        // Admitted only when answering: a refusal is written by `handle`, which asks again.
        if let key = caller.key, let id = caller.keyID {
            do { try keyLimits.admitRequest(key, id: id) } catch { return nil }
        }
        AccessRecord.current?.setIfAbsent(model: entry.model)
        return settle(hit(entry), caller: caller, requestID: requestID, since: started)
    }

    /// Stage 1, the exact cache's fast path: the raw body's hash names a body seen before (no JSON parse).
    func aliasHit(_ dialect: any Dialect, rawKey: CacheKey, directives: CacheDirectives, freshness: Freshness) -> (AliasTarget, CacheEntry)? {
        guard directives.lookup, dialect.answersFromAlias, let target = exact.resolveAlias(rawKey),
              let entry = exact.lookup(target.key, freshness: freshness) else { return nil }
        return (target, entry)
    }
}
