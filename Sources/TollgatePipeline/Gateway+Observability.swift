import Foundation
import HTTPTypes
import NIOCore
import TollgateBase
import TollgateExactCache
import TollgateSemantic
import TollgateShared

/// The time series, near-miss data and the semantic review queue (issue 17), and their admin routes.
extension Gateway {
    /// Counts one answered request in the time series.
    func record(_ response: GatewayResponse, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        timeseries.record(RequestOutcome(cacheHeader: response.headers[GatewayResponse.Header.cache]), latencyMs: ms,
                          costUSD: Double(response.headers[GatewayResponse.Header.cost] ?? "") ?? 0,
                          savedUSD: Double(response.headers[GatewayResponse.Header.saved] ?? "") ?? 0)
    }

    /// The nearest candidate's similarity of a semantic lookup, served or not: the Prometheus
    /// histogram and the time series.
    func noteLookup(_ found: SemanticLookup, served: Bool) {
        guard let best = found.nearest else { return }
        Observability.semanticSimilarity(Double(best), hit: served)
        timeseries.recordSimilarity(Double(best), hit: served)
    }

    /// A served semantic hit joins the review queue (prompts only when the tenant keeps them).
    func noteSemanticHit(_ match: SemanticMatch, _ ex: Exchange, source: String) {
        let keep = config.observability.keepsPrompts(tenant: ex.tenant)
        review.add(ReviewItem(timeMs: ExactCache.nowMs(), tenant: ex.tenant, model: ex.request.model, similarity: Double(match.similarity),
                              verdict: match.verdict, entryKey: match.key, source: source,
                              query: keep ? ex.prompt?.text : nil, cached: keep ? match.cachedPrompt : nil))
    }

    /// Commits the changed minutes and review items in one batch (the store's group commit).
    public func flushObservability() async {
        let series = timeseries.flushBatch()
        let items = review.flushBatch()
        guard !series.isEmpty || !items.isEmpty else { return }
        do {
            try await exact.store.write(series + items)
        } catch {
            timeseries.restore(series)
            review.restore(items)
            logger.warning("time series write failed; retrying at the next flush", metadata: ["error": "\(error)"])
        }
    }

    /// Flushes every `interval` until the task is cancelled (then once more).
    public func runObservabilityFlusher(interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)  // a period, not synchronisation
            await flushObservability()
        }
        await flushObservability()
    }

    // MARK: Admin routes

    /// `GET /admin/timeseries[?minutes=N]`: the per-minute aggregates, oldest first.
    public func adminTimeseries(minutes: String?, headers: HTTPFields) -> GatewayResponse {
        do { try requireAdmin(headers) } catch { return .error(error) }
        var last: Int?
        if let minutes {
            guard let n = Int(minutes), (1...timeseries.windowMinutes).contains(n) else {
                return .error(.invalidRequest("`minutes` must be an integer from 1 to \(timeseries.windowMinutes) (observability.timeseries_minutes).", param: "minutes"))
            }
            last = n
        }
        let rows = timeseries.minutes(last: last)
        let iso = ISO8601DateFormatter()
        func fmt(_ d: Double?) -> JSONValue { d.map { $0.isFinite ? .number(String(format: "%g", $0)) : .string("inf") } ?? .null }
        let series: [JSONValue] = rows.map { m in
            [
                "minute": .int(Int(m.minute)), "start": .string(iso.string(from: Date(timeIntervalSince1970: Double(m.minute) * 60))),
                "requests": .int(m.requests), "exact_hits": .int(m.exactHits), "semantic_hits": .int(m.semanticHits), "misses": .int(m.misses),
                "bypasses": .int(m.bypasses), "errors": .int(m.errors),
                "cost_usd": .number(Money.format(m.costUSD)), "saved_usd": .number(Money.format(m.savedUSD)),
                "latency_ms": ["p50": fmt(m.latencyPercentile(0.5)), "p95": fmt(m.latencyPercentile(0.95)), "p99": fmt(m.latencyPercentile(0.99))],
                "latency_histogram": .array(m.latency.map { .int(Int($0)) }),
                "similarity_hits": .array(m.similarityHits.map { .int(Int($0)) }),
                "similarity_misses": .array(m.similarityMisses.map { .int(Int($0)) }),
            ]
        }
        return .json([
            "window_minutes": .int(timeseries.windowMinutes), "max_bytes": .int(timeseries.maxBytes),
            "latency_bounds_ms": .array(MinuteStats.latencyBoundsMs.map { .number(String(format: "%g", $0)) }),
            "similarity_bounds": .array(MinuteStats.similarityBounds.map { .number(String(format: "%.2f", $0)) }),
            // The cosine a lookup needs by default (a model's or a request's own threshold may differ);
            // with the verifier, the looser gate at which candidates are shown to it.
            "semantic_threshold": .number(String(format: "%.3f", semanticGate)),
            "series": .array(series),
        ])
    }

    /// The configured default similarity a semantic candidate needs (the verifier's candidate gate when it is on).
    var semanticGate: Double {
        let threshold = config.cache.semantic.threshold
        return (semantic?.verification ?? offline?.semantic?.verification)?.gate(threshold) ?? threshold ?? SemanticCache.defaultThreshold
    }

    /// `GET /admin/review[?tenant=T&limit=N]`: recent semantic hits, newest first.
    public func adminReview(tenant: String?, limit: String?, headers: HTTPFields) -> GatewayResponse {
        do { try requireAdmin(headers) } catch { return .error(error) }
        var n: Int?
        if let limit {
            guard let v = Int(limit), v >= 1 else { return .error(.invalidRequest("`limit` must be a positive integer.", param: "limit")) }
            n = v
        }
        let items = review.items(tenant: tenant, limit: n)
        return .json(["capacity": .int(review.capacity), "items": .array(items.map(\.json))])
    }

    /// `GET /admin/review/export`: the marked hits as a labelled `tollgate bench` workload (JSON Lines).
    public func adminReviewExport(headers: HTTPFields) -> GatewayResponse {
        do { try requireAdmin(headers) } catch { return .error(error) }
        var h: HTTPFields = [.contentType: "application/x-ndjson"]
        h[.contentDisposition] = "attachment; filename=\"tollgate-review-workload.jsonl\""
        return GatewayResponse(headers: h, body: ByteBuffer(string: review.workload()))
    }

    /// `POST /admin/review/{id}` with `{"mark": "wrong" | "right", "purge": bool}`: stores the mark
    /// (written at once) and, with `purge`, removes the served entry from the cache.
    public func adminReviewMark(id: String, body: ByteBuffer, headers: HTTPFields) async -> GatewayResponse {
        do { try requireAdmin(headers) } catch { return .error(error) }
        guard let n = Int64(id), let item = review.item(n) else {
            return .error(GatewayError(status: .notFound, message: "No review item `\(id.prefix(40))` (see GET /admin/review).", type: "invalid_request_error", code: "review_item_not_found"))
        }
        let json: JSONValue
        do { json = try JSONValue.parse(body.readableBytesView) } catch {
            return .error(.invalidRequest("The body is not valid JSON: \(error). Expected {\"mark\": \"wrong\" | \"right\", \"purge\": true}.", code: "invalid_json"))
        }
        guard case .object = json else { return .error(.invalidRequest("Expected a JSON object: {\"mark\": \"wrong\", \"purge\": true}.", param: "mark")) }
        guard let markText = json["mark"]?.stringValue, let mark = ReviewItem.Mark(rawValue: markText) else {
            return .error(.invalidRequest("`mark` must be \"wrong\" or \"right\".", param: "mark"))
        }
        if let p = json["purge"], p.boolValue == nil { return .error(.invalidRequest("`purge` must be true or false.", param: "purge")) }
        let purge = json["purge"]?.boolValue ?? false
        var purged = 0
        if purge {
            do { purged = try await purgeEntry(item.entryKey, source: item.source) } catch {
                return .error(GatewayError(status: .internalServerError, message: "Purge failed: \(error)", type: "server_error"))
            }
        }
        guard let marked = review.mark(n, mark, purged: purge) else { return .error(.invalidRequest("The review item left the queue.")) }
        await flushObservability()
        return .json(["item": marked.json, "purged": .int(purged)])
    }

    /// Removes one entry (and its vector, aliases, shared copy) from where the hit came from;
    /// returns 1 if it was there.
    func purgeEntry(_ key: CacheKey, source: String) async throws -> Int {
        if source == "fixture", let offline {
            let there = (try? offline.exact.store.get(.entries, key)) != nil
            try await offline.exact.remove([key])
            try await offline.semantic?.remove([key])
            return there ? 1 : 0
        }
        let there = (try? exact.store.get(.entries, key)) != nil
        try await exact.remove([key])
        try await semantic?.remove([key])
        await shared?.purge(keys: [key])
        return there ? 1 : 0
    }
}
