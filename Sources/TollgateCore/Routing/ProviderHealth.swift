import Foundation
import Synchronization

/// What the router knows about each provider's recent behaviour: requests in flight (for
/// `max_concurrency`), 429 cool-downs, a circuit breaker, and a latency EWMA (for `fastest`).
///
/// Breaker: open after `failureThreshold` consecutive failures (connect errors, timeouts, 5xx,
/// incomplete answers); after `cooldown` one request is let through (half-open): success
/// closes the breaker, failure opens it again.
final class ProviderHealth: Sendable {
    struct Provider {
        var inFlight = 0
        var coolUntil: Date = .distantPast
        var failures = 0
        var openUntil: Date?
        var probing = false
        var latencyEWMA: Double?
    }

    /// Why a provider cannot take a request now.
    enum Unavailable: Equatable {
        case cooling(until: Date), breakerOpen(until: Date), busy
    }

    let failureThreshold: Int
    let cooldown: TimeInterval
    private let state = Mutex<[String: Provider]>([:])
    /// Weight of the newest latency sample in the EWMA.
    static let alpha = 0.3

    init(failureThreshold: Int = 5, cooldown: TimeInterval = 30) {
        self.failureThreshold = failureThreshold
        self.cooldown = cooldown
    }

    /// Reserves a slot on `provider` if it can take a request; otherwise says why not.
    func acquire(_ provider: String, maxConcurrency: Int?, now: Date = Date()) -> Unavailable? {
        state.withLock { all in
            var p = all[provider] ?? Provider()
            defer { all[provider] = p }
            if p.coolUntil > now { return .cooling(until: p.coolUntil) }
            if let open = p.openUntil {
                if open > now || p.probing { return .breakerOpen(until: max(open, now.addingTimeInterval(1))) }
                p.probing = true  // half-open: this request is the probe
            }
            if let max = maxConcurrency, p.inFlight >= max { p.probing = false; return .busy }
            p.inFlight += 1
            return nil
        }
    }

    /// Releases the slot and records the outcome.
    func release(_ provider: String, success: Bool?, latency: TimeInterval?, rateLimitedFor: TimeInterval? = nil, now: Date = Date()) {
        state.withLock { all in
            var p = all[provider] ?? Provider()
            p.inFlight = max(0, p.inFlight - 1)
            if let rateLimitedFor { p.coolUntil = now.addingTimeInterval(rateLimitedFor) }
            switch success {
            case true?:
                p.failures = 0
                p.openUntil = nil
                p.probing = false
                if let latency { p.latencyEWMA = p.latencyEWMA.map { ProviderHealth.alpha * latency + (1 - ProviderHealth.alpha) * $0 } ?? latency }
            case false?:
                p.failures += 1
                if p.probing || p.failures >= failureThreshold { p.openUntil = now.addingTimeInterval(cooldown) }
                p.probing = false
            case nil:
                p.probing = false  // a client error says nothing about the provider's health
            }
            all[provider] = p
        }
    }

    func latency(_ provider: String) -> Double? { state.withLock { $0[provider]?.latencyEWMA } }
    func inFlight(_ provider: String) -> Int { state.withLock { $0[provider]?.inFlight ?? 0 } }
}
