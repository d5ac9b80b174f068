import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore

extension Gateway {
    /// A cached answer replayed as server-sent events (it may have been stored from a JSON call).
    func replay(_ entry: CacheEntry, includeUsage: Bool) -> GatewayResponse {
        guard let completion = try? JSONValue.parse(entry.body.readableBytesView) else {
            return .error(.badGateway("The cached answer could not be read.", code: "cache_corrupt"))
        }
        var body = ByteBuffer()
        for chunk in Replay.chunks(of: completion, includeUsage: includeUsage) {
            var event = SSE.data(chunk)
            body.writeBuffer(&event)
        }
        var done = SSE.done
        body.writeBuffer(&done)
        var headers = hitHeaders(entry, contentType: "text/event-stream")
        headers[.cacheControl] = "no-cache"
        return GatewayResponse(headers: headers, body: body)
    }

    /// A streamed miss: forward the upstream's chunks as they arrive, assemble the answer, and
    /// store it only if the stream ended cleanly. A client that goes away stops the upstream.
    func streamMiss(_ request: ChatRequest, tenant: String, canonical: [UInt8], key: CacheKey, alias: (CacheKey, AliasTarget), prompt: SemanticPrompt?,
                    directives: CacheDirectives, requestID: String, settle: @escaping @Sendable (Int, Double) -> Void) async throws(GatewayError) -> GatewayResponse {
        let clients = self.clients
        let candidate: Candidate
        let source: ChunkSource
        do {
            (candidate, source) = try await router.route(request, requestID: requestID) { c throws(UpstreamFailure) in
                try await clients[c.provider.name]!.stream(request, model: c.model)
            }
        } catch {
            settle(0, 0)
            throw error
        }
        var headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        headers[GatewayResponse.Header.cache] = directives.lookup ? "miss" : "bypass"
        headers[GatewayResponse.Header.provider] = candidate.provider.name
        // The cost is not known yet: no x-tollgate-cost-usd here; it is logged and stored.
        let gateway = self
        let recorder = self.recorder
        let requestBody = request.body
        let logger = self.logger
        let includeUsage = request.includeUsage
        let store = directives.store
        let estimatedPrompt = request.estimatedPromptTokens
        let choices = request.body["n"]?.intValue ?? 1
        let body: StreamingBody = { writer in
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
                    let event: JSONValue = ["error": ["message": .string("The upstream stream failed: \(error)"), "type": "upstream_error", "param": nil, "code": "upstream_stream_failed"]]
                    try await writer.write(SSE.data(event))
                    try await writer.finish(nil)
                    return
                }
                guard let chunk else { break }
                assembler.add(chunk)
                if recorder != nil { forwarded.append(chunk) }
                let usageOnly = chunk["choices"]?.arrayValue?.isEmpty ?? false
                if !includeUsage && usageOnly { continue }
                do {
                    try await writer.write(SSE.data(includeUsage ? chunk : chunk.removing(["usage"])))
                } catch {
                    logger.info("client went away mid-stream; upstream stopped, nothing cached", metadata: ["request_id": "\(requestID)"])
                    source.cancel()
                    settle(0, 0)
                    throw error
                }
            }
            if let completion = assembler.completion() {
                let usage = assembler.usage
                let promptTokens = usage?["prompt_tokens"]?.intValue ?? estimatedPrompt
                let completionTokens = usage?["completion_tokens"]?.intValue ?? Tokens.estimate(completion.jsonString)
                let cost = Money.cost(promptTokens: promptTokens, completionTokens: completionTokens,
                                      inputPerMTok: candidate.model.inputUSDPerMTok, outputPerMTok: candidate.model.outputUSDPerMTok)
                settle(promptTokens + completionTokens, cost)
                Observability.upstream(provider: candidate.provider.name, seconds: 0, promptTokens: promptTokens, completionTokens: completionTokens, costUSD: cost)
                logger.debug("streamed upstream answer", metadata: ["request_id": "\(requestID)", "provider": "\(candidate.provider.name)", "cost_usd": "\(Money.format(cost))"])
                if store {
                    let entry = CacheEntry(createdMs: ExactCache.nowMs(), costUSD: cost, promptTokens: promptTokens, completionTokens: completionTokens,
                                           provider: candidate.provider.name, model: completion["model"]?.stringValue ?? candidate.model.upstream,
                                           tenant: tenant, request: canonical, body: ByteBuffer(bytes: completion.jsonBytes))
                    await gateway.writeBack(entry, key: key, alias: alias, prompt: prompt)
                }
                recorder?.record(Fixture(recordedAt: Date(), tenant: tenant, request: requestBody, provider: candidate.provider.name,
                                         providerKind: candidate.provider.kind.rawValue, model: completion["model"]?.stringValue ?? candidate.model.upstream,
                                         response: completion, promptTokens: promptTokens, completionTokens: completionTokens, costUSD: cost,
                                         stream: true, chunks: forwarded))
            } else {
                logger.warning("stream ended without a finish_reason on every choice; not cached", metadata: ["request_id": "\(requestID)"])
            }
            try await writer.write(SSE.done)
            try await writer.finish(nil)
        }
        return GatewayResponse(headers: headers, body: ByteBuffer(), stream: body)
    }
}
