import Foundation
import HTTPTypes
import HummingbirdCore
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

extension Gateway {
    /// A cached answer replayed as the dialect's stream (it may have been stored from a JSON call).
    func replay(_ entry: CacheEntry, dialect: any Dialect, request: ChatRequest?, includeUsage: Bool, tenant: String) async -> GatewayResponse {
        guard let completion = try? JSONValue.parse(entry.body.readableBytesView) else {
            return dialect.errorResponse(.badGateway("The cached answer could not be read.", code: "cache_corrupt"))
        }
        var encoder = dialect.streamEncoder(request: request, includeUsage: includeUsage, tenant: tenant)
        var body = ByteBuffer()
        for chunk in Replay.chunks(of: completion, includeUsage: true) {
            for var event in encoder.encode(chunk) { body.writeBuffer(&event) }
        }
        for var event in await encoder.finish(completion) { body.writeBuffer(&event) }
        var headers = hitHeaders(entry, contentType: "text/event-stream")
        headers[.cacheControl] = "no-cache"
        return GatewayResponse(headers: headers, body: body)
    }

    /// A streamed miss: forward the upstream's chunks as they arrive (in the asking dialect),
    /// assemble the answer, and store it only if the stream ended cleanly. A client that goes
    /// away stops the upstream.
    /// `end` is called once when the stream is over, with whether its answer was stored.
    func streamMiss(_ ex: Exchange, end: @escaping @Sendable (Bool) -> Void = { _ in }) async throws(GatewayError) -> GatewayResponse {
        let clients = self.clients
        let request = ex.request
        let started = ContinuousClock.now
        let candidate: Candidate
        let source: ChunkSource
        do {
            (candidate, source) = try await router.route(request, requestID: ex.requestID) { c throws(UpstreamFailure) in
                try await clients[c.provider.name]!.stream(request, model: c.model)
            }
        } catch {
            ex.settle(0, 0)
            throw error
        }
        var headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        headers[GatewayResponse.Header.cache] = ex.directives.lookup ? "miss" : "bypass"
        headers[GatewayResponse.Header.provider] = candidate.provider.name
        // The cost is not known yet: no x-tollgate-cost-usd here; it is logged and stored.
        let gateway = self
        let recorder = self.recorder
        let logger = self.logger
        let requestID = ex.requestID
        let settle = ex.settle
        let choices = request.body["n"]?.intValue ?? 1
        let stats = self.stats
        let access = AccessRecord.current  // the body is written after the handler returned
        let timeseries = self.timeseries
        let body: StreamingBody = { writer in
            var stored = false
            defer { end(stored) }
            var encoder = ex.dialect.streamEncoder(request: request, includeUsage: request.includeUsage, tenant: ex.tenant)
            var assembler = ChunkAssembler(expectedChoices: choices)
            var forwarded: [JSONValue] = []
            while true {
                let chunk: JSONValue?
                do {
                    chunk = try await source.next()
                } catch {
                    // The upstream failed after the first byte: tell the client in the stream.
                    logger.warning("upstream stream failed; not cached", metadata: ["request_id": "\(requestID)", "provider": "\(candidate.provider.name)", "error": "\(error)"])
                    source.cancel()
                    settle(0, 0)
                    try await writer.write(encoder.failure("The upstream stream failed: \(error)"))
                    try await writer.finish(nil)
                    return
                }
                guard let chunk else { break }
                assembler.add(chunk)
                if recorder != nil { forwarded.append(chunk) }
                do {
                    for event in encoder.encode(chunk) { try await writer.write(event) }
                } catch {
                    logger.info("client went away mid-stream; upstream stopped, nothing cached", metadata: ["request_id": "\(requestID)"])
                    source.cancel()
                    settle(0, 0)
                    throw error
                }
            }
            let completion = assembler.completion()
            if let completion {
                let usage = assembler.usage
                let counted = TokenUsage(chat: usage, fallback: TokenUsage(promptTokens: request.estimatedPromptTokens, completionTokens: Tokens.estimate(completion.jsonString)))
                let promptTokens = counted.promptTokens, completionTokens = counted.completionTokens
                let cost = Money.cost(counted, model: candidate.model, kind: candidate.provider.kind)
                settle(promptTokens + completionTokens, cost)
                // Accounting from the answer itself (a stream carries no cost header): the
                // upstream's time is the whole transfer, the spend goes to the tenant's stats.
                let elapsed = ContinuousClock.now - started
                Observability.upstream(provider: candidate.provider.name, model: candidate.model.name, tenant: ex.tenant, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                                       promptTokens: promptTokens, completionTokens: completionTokens, costUSD: cost)
                stats.addSpent(tenant: ex.tenant, provider: candidate.provider.name, model: request.model, usd: cost)
                access?.set(streamedCostUSD: cost)
                timeseries.addCost(cost)
                logger.debug("streamed upstream answer", metadata: ["request_id": "\(requestID)", "provider": "\(candidate.provider.name)", "cost_usd": "\(Money.format(cost))"])
                if ex.directives.store {
                    let entry = CacheEntry(createdMs: ExactCache.nowMs(), costUSD: cost, promptTokens: promptTokens, completionTokens: completionTokens,
                                           provider: candidate.provider.name, model: completion["model"]?.stringValue ?? candidate.model.upstream,
                                           tenant: ex.tenant, request: ex.canonical, body: ByteBuffer(bytes: completion.jsonBytes))
                    await gateway.writeBack(entry, key: ex.key, alias: ex.alias, prompt: ex.prompt)
                    stored = true
                }
                recorder?.record(Fixture(recordedAt: Date(), tenant: ex.tenant, request: request.body, provider: candidate.provider.name,
                                         providerKind: candidate.provider.kind.rawValue, model: completion["model"]?.stringValue ?? candidate.model.upstream,
                                         response: completion, promptTokens: promptTokens, completionTokens: completionTokens, costUSD: cost,
                                         stream: true, chunks: forwarded))
            } else {
                logger.warning("stream ended without a finish_reason on every choice; not cached", metadata: ["request_id": "\(requestID)"])
            }
            for event in await encoder.finish(completion) { try await writer.write(event) }
            try await writer.finish(nil)
        }
        return GatewayResponse(headers: headers, body: ByteBuffer(), stream: body)
    }
}
