import Foundation
import Synchronization
import TollgateBase
import TollgateProviders

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
        var sampledAt: Date = .distantPast
        /// Since start: calls made, calls that failed (the breaker's kind of failure), 429s, and a
        /// histogram of successful calls' latency (`latencyBoundsMs`), for the console.
        var calls = 0, failuresTotal = 0, rateLimited = 0
        var latencyCounts = [Int](repeating: 0, count: ProviderHealth.latencyBoundsMs.count + 1)
    }

    /// Upper bounds (ms) of the upstream latency histogram; one more bucket counts slower calls.
    static let latencyBoundsMs: [Double] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000]

    /// Why a provider cannot take a request now.
    enum Unavailable: Equatable {
        case cooling(until: Date), breakerOpen(until: Date), busy
    }

    let failureThreshold: Int
    let cooldown: TimeInterval
    private let state = Mutex<[String: Provider]>([:])
    /// Weight of the newest latency sample in the EWMA.
    static let alpha = 0.3
    /// A latency estimate older than this is forgotten, so a provider that had one slow spell
    /// is measured again instead of being passed over by `fastest` for good.
    static let latencyMaxAge: TimeInterval = 30

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
            p.calls += 1
            if let rateLimitedFor { p.coolUntil = now.addingTimeInterval(rateLimitedFor); p.rateLimited += 1 }
            switch success {
            case true?:
                p.failures = 0
                p.openUntil = nil
                p.probing = false
                if let latency {
                    p.latencyCounts[ProviderHealth.latencyBoundsMs.firstIndex { latency * 1000 <= $0 } ?? ProviderHealth.latencyBoundsMs.count] += 1
                    let fresh = now.timeIntervalSince(p.sampledAt) < ProviderHealth.latencyMaxAge
                    p.latencyEWMA = fresh ? p.latencyEWMA.map { ProviderHealth.alpha * latency + (1 - ProviderHealth.alpha) * $0 } ?? latency : latency
                    p.sampledAt = now
                }
            case false?:
                p.failures += 1
                p.failuresTotal += 1
                if p.probing || p.failures >= failureThreshold { p.openUntil = now.addingTimeInterval(cooldown) }
                p.probing = false
            case nil:
                p.probing = false  // a client error says nothing about the provider's health
            }
            all[provider] = p
        }
    }

    /// The latency EWMA, or nil when never measured or last measured over `latencyMaxAge` ago.
    func latency(_ provider: String, now: Date = Date()) -> Double? {
        state.withLock { all in
            guard let p = all[provider], now.timeIntervalSince(p.sampledAt) < ProviderHealth.latencyMaxAge else { return nil }
            return p.latencyEWMA
        }
    }
    func inFlight(_ provider: String) -> Int { state.withLock { $0[provider]?.inFlight ?? 0 } }
}

/// One provider's health as `GET /admin/stats` shows it.
public struct ProviderHealthSnapshot: Sendable {
    /// `closed`, `open` (calls skipped until the cooldown ends) or `half-open` (one probe allowed or in flight).
    public let breaker: String
    public let consecutiveFailures: Int
    public let inFlight: Int
    /// The latency EWMA in milliseconds, when measured recently.
    public let latencyMs: Double?
    /// True while the provider rests after a 429.
    public let coolingDown: Bool
    /// Since start: calls, failed calls, 429s.
    public let calls: Int, failures: Int, rateLimited: Int
    /// Successful calls' latency percentiles (upper bound of the histogram bucket, ms); nil before the first.
    public let p50Ms: Double?, p95Ms: Double?
}

extension ProviderHealth {
    func snapshot(_ provider: String, now: Date = Date()) -> ProviderHealthSnapshot {
        state.withLock { all in
            let p = all[provider] ?? Provider()
            let breaker = p.openUntil.map { $0 > now && !p.probing ? "open" : "half-open" } ?? "closed"
            let fresh = now.timeIntervalSince(p.sampledAt) < ProviderHealth.latencyMaxAge
            func percentile(_ q: Double) -> Double? {
                let total = p.latencyCounts.reduce(0, +)
                guard total > 0 else { return nil }
                var seen = 0
                for (i, n) in p.latencyCounts.enumerated() {
                    seen += n
                    if Double(seen) >= q * Double(total) { return i < ProviderHealth.latencyBoundsMs.count ? ProviderHealth.latencyBoundsMs[i] : .infinity }
                }
                return .infinity
            }
            return ProviderHealthSnapshot(breaker: breaker, consecutiveFailures: p.failures, inFlight: p.inFlight,
                                          latencyMs: fresh ? p.latencyEWMA.map { $0 * 1000 } : nil, coolingDown: p.coolUntil > now,
                                          calls: p.calls, failures: p.failuresTotal, rateLimited: p.rateLimited, p50Ms: percentile(0.5), p95Ms: percentile(0.95))
        }
    }
}

extension ProviderRouter {
    /// Every configured provider's breaker, failures, load and latency estimate, by name.
    public func healthSnapshot() -> [(name: String, health: ProviderHealthSnapshot)] {
        providers.map { ($0.name, health.snapshot($0.name)) }
    }
}
