import Foundation
import HTTPTypes
import NIOCore
import Synchronization
import TollgateBase
import TollgateHTTPClient
import TollgateExactCache
import TollgateSemantic
import TollgateProviders
import TollgateRouting
import TollgateShared
import TollgateFixtures
import TollgateDialects

/// Request accounting for `GET /admin/stats`: by tenant, by provider (who answered, or who
/// answered when a cached answer was fetched) and by requested model.
final class TenantStats: Sendable {
    struct Counts {
        var requests = 0, hits = 0, semanticHits = 0, misses = 0, bypasses = 0, errors = 0
        var savedUSD = 0.0, spentUSD = 0.0

        mutating func add(cache: String?, saved: Double, spent: Double) {
            requests += 1
            switch cache {
            case "hit": hits += 1
            case "semantic-hit": semanticHits += 1
            case "miss": misses += 1
            case "bypass": bypasses += 1
            default: errors += 1
            }
            savedUSD += saved
            spentUSD += spent
        }

        mutating func add(_ c: Counts) {
            requests += c.requests; hits += c.hits; semanticHits += c.semanticHits; misses += c.misses
            bypasses += c.bypasses; errors += c.errors; savedUSD += c.savedUSD; spentUSD += c.spentUSD
        }
    }

    struct All {
        var tenants: [String: Counts] = [:]
        var providers: [String: Counts] = [:]
        var models: [String: Counts] = [:]
    }

    private let counts = Mutex(All())

    /// Counts one answer. An answer with no `x-tollgate-cache` is an error; an offline miss
    /// says `miss` (it counts against the hit ratio, never for it).
    func record(tenant: String, model: String?, response: GatewayResponse) {
        let cache = response.headers[GatewayResponse.Header.cache]
        let provider = response.headers[GatewayResponse.Header.provider]
        let saved = Double(response.headers[GatewayResponse.Header.saved] ?? "") ?? 0
        let spent = Double(response.headers[GatewayResponse.Header.cost] ?? "") ?? 0
        counts.withLock { all in
            all.tenants[tenant, default: Counts()].add(cache: cache, saved: saved, spent: spent)
            if let provider { all.providers[provider, default: Counts()].add(cache: cache, saved: saved, spent: spent) }
            if let model { all.models[String(model.prefix(200)), default: Counts()].add(cache: cache, saved: saved, spent: spent) }
        }
    }

    /// Adds spend known only after the response went out (a streamed miss's cost).
    func addSpent(tenant: String, provider: String, model: String?, usd: Double) {
        counts.withLock { all in
            all.tenants[tenant, default: Counts()].spentUSD += usd
            all.providers[provider, default: Counts()].spentUSD += usd
            if let model { all.models[String(model.prefix(200)), default: Counts()].spentUSD += usd }
        }
    }

    var snapshot: All { counts.withLock { $0 } }
    var byProvider: [String: Counts] { snapshot.providers }
}

extension Gateway {
    /// Admin routes need a key with `admin: true` when keys are configured.
    func requireAdmin(_ headers: HTTPFields) throws(GatewayError) {
        guard auth.required else { return }
        let caller = try auth.caller(for: headers)
        guard caller.key?.admin == true else {
            throw GatewayError(status: .forbidden, message: "This route needs an admin key (a key with `admin: true`).", type: "invalid_request_error", code: "admin_required")
        }
    }

    /// `GET /admin/stats`: hit ratios, saved and spent dollars and entries, by tenant.
    public func adminStats(headers: HTTPFields) -> GatewayResponse {
        do { try requireAdmin(headers) } catch { return .error(error) }
        var entries: [String: (count: Int, bytes: Int)] = [:]
        var models: [String: (count: Int, bytes: Int)] = [:]
        try? exact.store.scan(.entries) { _, value in
            if let e = CacheEntry(decoding: value) {
                let t = e.tenant.isEmpty ? Auth.defaultTenant : e.tenant
                entries[t, default: (0, 0)].count += 1
                entries[t, default: (0, 0)].bytes += value.readableBytes
                models[e.model, default: (0, 0)].count += 1
                models[e.model, default: (0, 0)].bytes += value.readableBytes
            }
            return true
        }
        let all = stats.snapshot
        let tenants = Set(all.tenants.keys).union(entries.keys).sorted()
        var total = TenantStats.Counts()
        let rows: [(String, JSONValue)] = tenants.map { t in
            let c = all.tenants[t] ?? TenantStats.Counts()
            total.add(c)
            return (t, Gateway.statsJSON(c, entries: entries[t]?.count ?? 0, bytes: entries[t]?.bytes ?? 0))
        }
        let allEntries = entries.values.reduce(0) { $0 + $1.count }
        let allBytes = entries.values.reduce(0) { $0 + $1.bytes }
        // Answers by the provider that gave them, with each configured provider's breaker and latency estimate.
        let byProvider = all.providers
        let health = Dictionary(router.healthSnapshot().map { ($0.name, $0.health) }, uniquingKeysWith: { a, _ in a })
        func ms(_ v: Double?) -> JSONValue { v.map { $0.isFinite ? .number(String(format: "%g", $0)) : .string("inf") } ?? .null }
        let providers: [(String, JSONValue)] = Set(byProvider.keys).union(health.keys).sorted().map { name in
            var row = Gateway.statsJSON(byProvider[name] ?? TenantStats.Counts())
            if let h = health[name] {
                row = row.setting("breaker", .string(h.breaker)).setting("consecutive_failures", .int(h.consecutiveFailures))
                    .setting("in_flight", .int(h.inFlight)).setting("latency_ewma_ms", h.latencyMs.map { .number(String(format: "%.1f", $0)) } ?? .null)
                    .setting("cooling_down", .bool(h.coolingDown))
                    .setting("upstream_calls", .int(h.calls)).setting("upstream_failures", .int(h.failures)).setting("upstream_rate_limited", .int(h.rateLimited))
                    .setting("upstream_p50_ms", ms(h.p50Ms)).setting("upstream_p95_ms", ms(h.p95Ms))
            }
            return (name, row)
        }
        // By model: requests for it (as asked) and the cache entries it answered (as stored).
        let byModel: [(String, JSONValue)] = Set(all.models.keys).union(models.keys).sorted().map { name in
            (name, Gateway.statsJSON(all.models[name] ?? TenantStats.Counts(), entries: models[name]?.count ?? 0, bytes: models[name]?.bytes ?? 0))
        }
        return .json(["total": Gateway.statsJSON(total, entries: allEntries, bytes: allBytes), "tenants": .object(rows),
                      "providers": .object(providers), "models": .object(byModel),
                      "semantic_vectors": .int(semantic?.index.count ?? 0), "offline_fixtures": .int(offline?.count ?? 0),
                      "store_bytes": .int((exact.store as? LMDBStore)?.usedBytes() ?? 0), "store_capacity_bytes": .int(exact.store.capacityBytes ?? 0)])
    }

    /// One row. `hit_ratio` = (hits + semantic hits) ÷ (hits + semantic hits + misses): the
    /// share of the requests the cache could have answered that it did (errors and bypasses
    /// are not in it; offline misses are misses). `bytes` is the entries' own bytes (smaller
    /// than `tollgate_cache_bytes`, the LMDB file's pages in use).
    static func statsJSON(_ c: TenantStats.Counts, entries: Int? = nil, bytes: Int? = nil) -> JSONValue {
        let answered = c.hits + c.semanticHits + c.misses
        var row: [(String, JSONValue)] = [
            ("requests", .int(c.requests)), ("hits", .int(c.hits)), ("semantic_hits", .int(c.semanticHits)), ("misses", .int(c.misses)),
            ("bypasses", .int(c.bypasses)), ("errors", .int(c.errors)),
            ("hit_ratio", .number(answered == 0 ? "0" : String(format: "%.4f", Double(c.hits + c.semanticHits) / Double(answered)))),
            ("saved_usd", .number(Money.format(c.savedUSD))), ("spent_usd", .number(Money.format(c.spentUSD))),
        ]
        if let entries { row.append(("entries", .int(entries))) }
        if let bytes { row.append(("bytes", .int(bytes))) }
        return .object(row)
    }

    /// `POST /admin/cache/purge` with `{"all": true}`, `{"tenant": T}` and/or `{"model": M}`.
    public func adminPurge(body: ByteBuffer, headers: HTTPFields) async -> GatewayResponse {
        do {
            try requireAdmin(headers)
            let json = (try? JSONValue.parse(body.readableBytesView)) ?? .object([])
            let tenant = json["tenant"]?.stringValue
            let model = json["model"]?.stringValue
            guard tenant != nil || model != nil || json["all"]?.boolValue == true else {
                throw GatewayError.invalidRequest("Say what to purge: {\"all\": true}, {\"tenant\": \"…\"} or {\"model\": \"…\"}.", param: "all")
            }
            let removed = try await purge(tenant: tenant, model: model)
            return .json(["purged": .int(removed)])
        } catch let e as GatewayError {
            return .error(e)
        } catch {
            return .error(GatewayError(status: .internalServerError, message: "Purge failed: \(error)", type: "server_error"))
        }
    }

    /// Removes the matching entries from both layers; returns how many.
    public func purge(tenant: String?, model: String?) async throws -> Int {
        let keys = try await exact.purge { e in (tenant.map { $0 == (e.tenant.isEmpty ? Auth.defaultTenant : e.tenant) } ?? true) && (model.map { $0 == e.model } ?? true) }
        try await semantic?.remove(keys)
        await shared?.purge(keys: keys)
        return keys.count
    }
}
