import Foundation
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

/// Per-key limits from the config: requests per minute (hits included, any 60-second window),
/// tokens per minute and USD per day (upstream usage only). Over a limit → 429 with `Retry-After`.
/// An upstream call reserves its estimate (tokens, dollars) when admitted and settles it with the
/// real usage, so concurrent calls cannot together overspend what each alone would be refused.
final class KeyLimits: Sendable {
    struct Usage {
        /// Times of the recent requests (seconds), oldest first.
        var requests: [Double] = []
        /// Upstream tokens in the last minute: (time, tokens).
        var tokens: [(Double, Int)] = []
        /// The UTC day `spent` belongs to, and what was spent on it.
        var day = 0
        var spent = 0.0
        /// Estimated dollars of the calls admitted and not yet settled: (time, USD). A reservation
        /// older than `reservationLifetime` no longer counts (a call that never settled).
        var reserved: [(Double, Double)] = []
    }

    static let reservationLifetime = 900.0

    private let usage = Mutex<[String: Usage]>([:])

    static func day(_ t: Double) -> Int { Int(t / 86_400) }

    /// Counts a request against `requests_per_minute`.
    func admitRequest(_ key: KeyConfig, id: String, now: Double = Date().timeIntervalSince1970) throws(GatewayError) {
        guard let limit = key.requestsPerMinute else { return }
        let wait = usage.withLock { all -> Int? in
            var u = all[id] ?? Usage()
            defer { all[id] = u }
            u.requests.removeAll { $0 <= now - 60 }
            if u.requests.count >= limit {
                return max(1, Int((u.requests[u.requests.count - limit] + 60 - now).rounded(.up)))
            }
            u.requests.append(now)
            return nil
        }
        if let wait {
            throw GatewayError(status: .tooManyRequests, message: "Rate limit reached: \(limit) requests per minute for this key. Retry in \(wait) s.",
                               type: "rate_limit_error", code: "rate_limit_exceeded", retryAfter: wait)
        }
    }

    /// Checks `tokens_per_minute` and `usd_per_day` before an upstream call and reserves the
    /// estimated tokens (settled with the real usage afterwards).
    func admitUpstream(_ key: KeyConfig, id: String, estimatedTokens: Int, estimatedUSD: Double, now: Double = Date().timeIntervalSince1970) throws(GatewayError) {
        guard key.tokensPerMinute != nil || key.usdPerDay != nil else { return }
        let problem = usage.withLock { all -> GatewayError? in
            var u = all[id] ?? Usage()
            defer { all[id] = u }
            if let budget = key.usdPerDay {
                if u.day != KeyLimits.day(now) { u.day = KeyLimits.day(now); u.spent = 0 }
                u.reserved.removeAll { $0.0 <= now - KeyLimits.reservationLifetime }
                let inFlight = u.reserved.reduce(0) { $0 + $1.1 }
                if u.spent + inFlight >= budget {
                    let reset = Double(u.day + 1) * 86_400
                    let at = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: reset))
                    return GatewayError(status: .tooManyRequests, message: "This key's budget of $\(budget) a day is spent; it resets at \(at).",
                                        type: "rate_limit_error", code: "budget_exceeded", retryAfter: max(1, Int((reset - now).rounded(.up))))
                }
            }
            if let limit = key.tokensPerMinute {
                u.tokens.removeAll { $0.0 <= now - 60 }
                let used = u.tokens.reduce(0) { $0 + $1.1 }
                if used + estimatedTokens > limit && !u.tokens.isEmpty {
                    let wait = max(1, Int((u.tokens[0].0 + 60 - now).rounded(.up)))
                    return GatewayError(status: .tooManyRequests, message: "Rate limit reached: \(limit) tokens per minute for this key. Retry in \(wait) s.",
                                        type: "rate_limit_error", code: "rate_limit_exceeded", retryAfter: wait)
                }
                u.tokens.append((now, estimatedTokens))
            }
            if key.usdPerDay != nil { u.reserved.append((now, estimatedUSD)) }
            return nil
        }
        if let problem { throw problem }
    }

    /// Replaces the estimate with the real usage and adds the real cost.
    func settle(_ key: KeyConfig, id: String, estimatedTokens: Int, estimatedUSD: Double, actualTokens: Int, costUSD: Double, now: Double = Date().timeIntervalSince1970) {
        guard key.tokensPerMinute != nil || key.usdPerDay != nil else { return }
        usage.withLock { all in
            var u = all[id] ?? Usage()
            if key.tokensPerMinute != nil {
                if let i = u.tokens.lastIndex(where: { $0.1 == estimatedTokens }) { u.tokens.remove(at: i) }
                u.tokens.append((now, actualTokens))
            }
            if key.usdPerDay != nil {
                if u.day != KeyLimits.day(now) { u.day = KeyLimits.day(now); u.spent = 0 }
                if let i = u.reserved.firstIndex(where: { $0.1 == estimatedUSD }) { u.reserved.remove(at: i) }
                u.spent += costUSD
            }
            all[id] = u
        }
    }
}
