import Foundation
import Logging
import Synchronization
import TollgateBase
import TollgateProviders
import Tracing

/// One (provider, model) pair that could answer a request, with its estimated cost.
public struct Candidate: Sendable, CustomStringConvertible {
    public let provider: ProviderConfig
    public let model: ModelConfig
    public let estimatedCostUSD: Double
    var id: String { "\(provider.name)/\(model.name)" }
    public var description: String { "\(id) (~$\(Money.format(estimatedCostUSD)))" }
}

/// Picks the cheapest capable provider and falls back to the next on failure.
///
/// Candidates: every (provider, model) serving the requested name (every model for `auto`),
/// minus those lacking a capability the request needs or whose context window is too small.
/// Ranked by estimated cost (prompt tokens × input price + expected output × output price);
/// equal costs share the load (fewest in flight, then round robin). Connect errors, timeouts,
/// 429 and 5xx move on to the next candidate (429's `Retry-After` cools the provider down);
/// other 4xx go back to the client unchanged.
public final class ProviderRouter: Sendable {
    public let providers: [ProviderConfig]
    let expectedOutputTokens: Int
    let strategy: GatewayConfig.Strategy
    let health: ProviderHealth
    let logger: Logger
    private let turn = Mutex(0)

    /// How long a provider rests after a 429 that gave no `Retry-After`.
    static let defaultCooldown: TimeInterval = 1

    public init(providers: [ProviderConfig], expectedOutputTokens: Int = 256, strategy: GatewayConfig.Strategy = .cheapest,
                breakerFailures: Int = 5, breakerCooldownSeconds: Double = 30, logger: Logger = Logger(label: "tollgate.router")) {
        self.providers = providers
        self.expectedOutputTokens = expectedOutputTokens
        self.strategy = strategy
        self.health = ProviderHealth(failureThreshold: breakerFailures, cooldown: breakerCooldownSeconds)
        self.logger = logger
    }

    /// Every model name clients may ask for, plus `auto`.
    public var modelNames: [String] {
        var seen = Set<String>()
        var names: [String] = []
        for p in providers { for m in p.models where seen.insert(m.name).inserted { names.append(m.name) } }
        return names + ["auto"]
    }

    /// Whether any provider serves `name` (or `auto`).
    public func serves(_ name: String) -> Bool {
        name == "auto" || providers.contains { $0.models.contains { $0.name == name } }
    }

    /// The (provider, model) pairs with what the request needs and a context window it fits,
    /// unranked and with no side effect: the pipeline asks before any embedding or guard work.
    /// Throws 404 for an unknown model, 400 for a missing capability or a prompt too long.
    public func admissible(_ request: ChatRequest) throws(GatewayError) -> [(ProviderConfig, ModelConfig)] {
        let asked = providers.flatMap { p in p.models.filter { request.model == "auto" || $0.name == request.model }.map { (p, $0) } }
        guard !asked.isEmpty else { throw .modelNotFound(request.model) }
        // Chat requests go to chat models only (`auto` never picks an embeddings model).
        let named = asked.filter { $0.1.kind == .chat }
        guard !named.isEmpty else {
            throw .invalidRequest("`\(request.model)` is an embeddings model, not a chat model: send it to POST /v1/embeddings.", param: "model", code: "model_not_supported")
        }
        let missing = request.needs.filter { need in !named.contains { $0.1.capabilities.contains(need) } }
        if let need = missing.sorted(by: { $0.rawValue < $1.rawValue }).first {
            let param: String = switch need {
            case .tools: "tools"
            case .json: "response_format"
            case .vision: "messages"
            case .stream: "stream"
            }
            throw .invalidRequest("No provider of `\(request.model)` supports \(need.rawValue); the request needs it.", param: param, code: "unsupported_capability")
        }
        let capable = named.filter { request.needs.isSubset(of: $0.1.capabilities) }
        let needed = request.estimatedPromptTokens + (request.maxTokens ?? 0)
        let fitting = capable.filter { needed <= $0.1.contextWindow }
        guard !fitting.isEmpty else {
            let largest = capable.map(\.1.contextWindow).max() ?? 0
            if let max = request.maxTokens, max > largest {
                throw .invalidRequest("max_tokens is too large: \(max). The largest context window of `\(request.model)` is \(largest) tokens.",
                                      param: "max_tokens", code: "context_length_exceeded")
            }
            throw .invalidRequest("This request needs about \(needed) tokens (prompt plus max_tokens), more than the largest context window of `\(request.model)` (\(largest) tokens).",
                                  param: "messages", code: "context_length_exceeded")
        }
        return fitting
    }

    /// The capable candidates, cheapest first. Throws 404 for an unknown model and 400 when no
    /// candidate has what the request needs.
    public func candidates(for request: ChatRequest) throws(GatewayError) -> [Candidate] {
        let fitting = try admissible(request)
        let output = request.maxTokens.map { min($0, expectedOutputTokens) } ?? expectedOutputTokens
        let all = fitting.map { p, m in
            Candidate(provider: p, model: m, estimatedCostUSD: Money.cost(promptTokens: request.estimatedPromptTokens, completionTokens: output,
                                                                          inputPerMTok: m.inputUSDPerMTok, outputPerMTok: m.outputUSDPerMTok))
        }
        let cheapestFirst = balance(all.sorted { $0.estimatedCostUSD < $1.estimatedCostUSD })
        switch strategy {
        case .cheapest: return cheapestFirst
        case .fastest:
            // Lowest recent latency first; providers not measured yet go first so they get measured.
            let latency = Dictionary(uniqueKeysWithValues: Set(cheapestFirst.map(\.provider.name)).map { ($0, health.latency($0) ?? -1) })
            return cheapestFirst.enumerated().sorted { a, b in
                let la = latency[a.element.provider.name]!, lb = latency[b.element.provider.name]!
                return la != lb ? la < lb : a.offset < b.offset
            }.map(\.element)
        case .weighted:
            // A weighted random order (Efraimidis–Spirakis): traffic splits in proportion to weight.
            return cheapestFirst.map { c -> (Candidate, Double) in
                let w = max(c.provider.weight, 1e-9)
                return (c, pow(Double.random(in: Double.ulpOfOne..<1), 1 / w))
            }.sorted { $0.1 > $1.1 }.map(\.0)
        }
    }

    /// Within groups of equal cost: fewest in flight first, then rotate so equals take turns.
    func balance(_ sorted: [Candidate]) -> [Candidate] {
        var result: [Candidate] = []
        var i = 0
        let turn = self.turn.withLock { t -> Int in
            t &+= 1
            return t
        }
        let inFlight = Dictionary(uniqueKeysWithValues: Set(sorted.map(\.provider.name)).map { ($0, health.inFlight($0)) })
        while i < sorted.count {
            var j = i + 1
            while j < sorted.count, ProviderRouter.sameCost(sorted[i].estimatedCostUSD, sorted[j].estimatedCostUSD) { j += 1 }
            var group = Array(sorted[i..<j])
            if group.count > 1 {
                let shift = turn % group.count
                group = Array(group[shift...] + group[..<shift])
                group = group.enumerated().sorted { a, b in
                    let fa = inFlight[a.element.provider.name] ?? 0, fb = inFlight[b.element.provider.name] ?? 0
                    return fa != fb ? fa < fb : a.offset < b.offset
                }.map(\.element)
            }
            result += group
            i = j
        }
        return result
    }

    static func sameCost(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= max(abs(a), abs(b)) * 1e-9
    }

    /// Calls the candidates in order until one answers. Returns the answer and who gave it.
    /// For a stream, `call` returns once the first chunk is in hand: fallback happens before
    /// anything reaches the client.
    public func route<Answer>(_ request: ChatRequest, requestID: String = "",
                              call: (Candidate) async throws(UpstreamFailure) -> Answer) async throws(GatewayError) -> (Candidate, Answer) {
        let ranked = try candidates(for: request)
        logger.debug("route", metadata: [
            "request_id": "\(requestID)", "model": "\(request.model)", "strategy": "\(strategy.rawValue)", "needs": "\(request.needs.map(\.rawValue).sorted())",
            "prompt_tokens_est": "\(request.estimatedPromptTokens)", "order": "\(ranked.map(\.description).joined(separator: " > "))",
        ])
        return try await route(ranked, model: request.model, requestID: requestID, call: call)
    }

    /// The OpenAI-kind providers serving embeddings model `model`, cheapest first; 404 when none does.
    public func embeddingCandidates(model: String, estimatedTokens: Int) throws(GatewayError) -> [Candidate] {
        let named = providers.flatMap { p in p.models.filter { $0.name == model }.map { (p, $0) } }
        guard !named.isEmpty else { throw .modelNotFound(model) }
        // Embeddings go to embeddings models only, on providers with an OpenAI `/embeddings`.
        guard named.contains(where: { $0.1.kind == .embeddings }) else {
            throw .invalidRequest("`\(model)` is a chat model, not an embeddings model: send it to POST /v1/chat/completions.", param: "model", code: "model_not_supported")
        }
        let served = named.filter { $0.0.kind == .openai && $0.1.kind == .embeddings }
        guard !served.isEmpty else {
            throw .invalidRequest("`\(model)` is served only by providers without an OpenAI-compatible embeddings endpoint.", param: "model", code: "model_not_supported")
        }
        return balance(served.map { p, m in
            Candidate(provider: p, model: m, estimatedCostUSD: Money.cost(promptTokens: estimatedTokens, completionTokens: 0, inputPerMTok: m.inputUSDPerMTok, outputPerMTok: 0))
        }.sorted { $0.estimatedCostUSD < $1.estimatedCostUSD })
    }

    /// One upstream attempt in its own client span (provider, model, outcome); the HTTP client
    /// propagates the span's context upstream as W3C `traceparent`.
    static func traced<Answer>(_ candidate: Candidate, _ call: (Candidate) async throws(UpstreamFailure) -> Answer) async throws(UpstreamFailure) -> Answer {
        let outcome: Result<Answer, UpstreamFailure> = await withSpan(StageSpan.upstream, ofKind: .client) { span in
            span.attributes[StageSpan.Key.provider] = candidate.provider.name
            span.attributes[StageSpan.Key.system] = candidate.provider.kind.rawValue
            span.attributes[StageSpan.Key.requestModel] = candidate.model.upstream
            do throws(UpstreamFailure) {
                let answer = try await call(candidate)
                span.attributes[StageSpan.Key.outcome] = "ok"
                return .success(answer)
            } catch {
                switch error {
                case .connect: span.attributes[StageSpan.Key.outcome] = "connect_failed"
                case .timeout: span.attributes[StageSpan.Key.outcome] = "timeout"
                case .rateLimited: span.attributes[StageSpan.Key.outcome] = "rate_limited"
                case .server(let status, _): span.attributes[StageSpan.Key.outcome] = "http_\(status)"
                case .badResponse: span.attributes[StageSpan.Key.outcome] = "bad_response"
                case .client(let status, _): span.attributes[StageSpan.Key.outcome] = "http_\(status)"
                }
                span.setStatus(SpanStatus(code: .error))
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Calls ranked candidates in order until one answers — skipping providers that are cooling
    /// down, whose breaker is open or that are at `max_concurrency` — and records each outcome.
    public func route<Answer>(_ ranked: [Candidate], model: String, requestID: String = "",
                              call: (Candidate) async throws(UpstreamFailure) -> Answer) async throws(GatewayError) -> (Candidate, Answer) {
        var lastFailure: UpstreamFailure?
        var skipped: [ProviderHealth.Unavailable] = []
        for candidate in ranked {
            let name = candidate.provider.name
            if let reason = health.acquire(name, maxConcurrency: candidate.provider.maxConcurrency) {
                skipped.append(reason)
                logger.debug("provider skipped", metadata: ["request_id": "\(requestID)", "provider": "\(name)", "reason": "\(reason)"])
                continue
            }
            let started = Date()
            do {
                let answer = try await ProviderRouter.traced(candidate, call)
                health.release(name, success: true, latency: Date().timeIntervalSince(started))
                return (candidate, answer)
            } catch {
                lastFailure = error
                logger.warning("upstream failed", metadata: ["request_id": "\(requestID)", "provider": "\(name)", "error": "\(error)",
                                                            "fallback": "\(error.allowsFallback)"])
                switch error {
                case .client(let status, let body):
                    health.release(name, success: nil, latency: nil)
                    var e = GatewayError(status: .init(code: status), message: "", type: "invalid_request_error")
                    e.rawBody = ProviderRouter.openAIShaped(body, status: status)
                    e.provider = name
                    throw e
                case .rateLimited(let after, _):
                    health.release(name, success: nil, latency: nil, rateLimitedFor: after.map(TimeInterval.init) ?? ProviderRouter.defaultCooldown)
                default:
                    health.release(name, success: false, latency: nil)
                }
            }
        }
        if let lastFailure { throw ProviderRouter.gatewayError(for: lastFailure, model: model) }
        // Nothing was tried: every candidate was cooling down, open or full.
        let now = Date()
        func wait(_ until: Date) -> Int { max(1, Int(until.timeIntervalSince(now).rounded(.up))) }
        let cooling = skipped.compactMap { if case .cooling(let u) = $0 { return u } else { return nil } }.min()
        let open = skipped.compactMap { if case .breakerOpen(let u) = $0 { return u } else { return nil } }.min()
        if let cooling, open == nil || cooling <= open! {
            throw .upstreamRateLimited("Every provider of `\(model)` is rate limited; retry in \(wait(cooling)) s.", retryAfter: wait(cooling))
        }
        if let open {
            throw .unavailable("Every provider of `\(model)` is failing (circuit breaker open); retry in \(wait(open)) s.", code: "upstream_unavailable", retryAfter: wait(open))
        }
        throw .unavailable("Every provider of `\(model)` is at its max_concurrency; retry shortly.", code: "upstream_busy", retryAfter: 1)
    }

    /// The client-facing error after every candidate failed.
    package static func gatewayError(for failure: UpstreamFailure, model: String) -> GatewayError {
        switch failure {
        case .timeout(let m): return .gatewayTimeout("No provider of `\(model)` answered in time (last: \(m)).")
        case .rateLimited(let after, _):
            return .upstreamRateLimited("Every provider of `\(model)` is rate limited.", retryAfter: after ?? Int(defaultCooldown))
        case .connect(let m): return .badGateway("No provider of `\(model)` could be reached (last: \(m)).", code: "upstream_unreachable")
        case .server(_, let m): return .badGateway("Every provider of `\(model)` failed (last: \(m)).")
        case .badResponse(let m): return .badGateway("The upstream answer was incomplete (\(m)).", code: "upstream_bad_response")
        case .client(let s, _): return GatewayError(status: .init(code: s), message: "upstream rejected the request", type: "invalid_request_error")
        }
    }

    /// An upstream 4xx body as an OpenAI error: kept when it already is one, wrapped otherwise.
    package static func openAIShaped(_ body: [UInt8], status: Int) -> [UInt8] {
        if let json = try? JSONValue.parse(body), json["error"]?["message"] != nil { return body }
        let text = String(decoding: body.prefix(1000), as: UTF8.self)
        let error: JSONValue = ["message": .string("The upstream rejected the request (HTTP \(status)): \(text)"), "type": "invalid_request_error", "param": nil, "code": nil]
        return JSONValue.object([("error", error)]).jsonBytes
    }
}
