import Testing
import TollgateCore
@testable import TollgateBase
@testable import TollgateHTTPClient
@testable import TollgateExactCache
@testable import TollgateSemantic
@testable import TollgateProviders
@testable import TollgateRouting
@testable import TollgateShared
@testable import TollgateFixtures
@testable import TollgateDialects
@testable import TollgatePipeline
@testable import TollgateServer
@testable import TollgateMock
@testable import TollgateBench

@Suite("Per-key limits")
struct KeyLimitsTests {
    @Test func requestsPerMinuteIsASlidingWindow() throws {
        var key = KeyConfig(tenant: "t")
        key.requestsPerMinute = 2
        let limits = KeyLimits()
        try limits.admitRequest(key, id: "k", now: 1000)
        try limits.admitRequest(key, id: "k", now: 1030)
        let e = #expect(throws: GatewayError.self) { try limits.admitRequest(key, id: "k", now: 1059) }
        #expect(e?.status == .tooManyRequests && e?.retryAfter == 1)
        try limits.admitRequest(key, id: "k", now: 1060.5)  // the first one left the window
        try limits.admitRequest(key, id: "other", now: 1060.5)  // keys are counted apart
    }

    @Test func tokensPerMinuteReservesThenSettlesWithRealUsage() throws {
        var key = KeyConfig(tenant: "t")
        key.tokensPerMinute = 1000
        let limits = KeyLimits()
        try limits.admitUpstream(key, id: "k", estimatedTokens: 600, estimatedUSD: 0.01, now: 0)
        #expect(throws: GatewayError.self) { try limits.admitUpstream(key, id: "k", estimatedTokens: 600, estimatedUSD: 0.01, now: 1) }
        limits.settle(key, id: "k", estimatedTokens: 600, estimatedUSD: 0.01, actualTokens: 100, costUSD: 0, now: 2)  // it used far less
        try limits.admitUpstream(key, id: "k", estimatedTokens: 600, estimatedUSD: 0.01, now: 3)
        let e = #expect(throws: GatewayError.self) { try limits.admitUpstream(key, id: "k", estimatedTokens: 600, estimatedUSD: 0.01, now: 4) }
        #expect(e?.code == "rate_limit_exceeded" && (e?.retryAfter ?? 0) > 0)
        try limits.admitUpstream(key, id: "k", estimatedTokens: 600, estimatedUSD: 0.01, now: 70)  // a minute later
    }

    @Test func dailyBudgetResetsAtUTCMidnight() throws {
        var key = KeyConfig(tenant: "t")
        key.usdPerDay = 1
        let limits = KeyLimits()
        let day = 20_000.0 * 86_400
        try limits.admitUpstream(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.01, now: day + 10)
        limits.settle(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.01, actualTokens: 10, costUSD: 1.5, now: day + 11)
        let e = #expect(throws: GatewayError.self) { try limits.admitUpstream(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.01, now: day + 12) }
        #expect(e?.code == "budget_exceeded" && e?.retryAfter == 86_400 - 12)
        try limits.admitUpstream(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.01, now: day + 86_400)
    }

    /// Concurrent calls: each admitted call reserves its estimate, so calls in flight together
    /// cannot overspend the budget; a settled call frees its reservation; one that never settles
    /// stops counting after `reservationLifetime`.
    @Test func concurrentCallsReserveTheirEstimatedDollars() throws {
        var key = KeyConfig(tenant: "t")
        key.usdPerDay = 1
        let limits = KeyLimits()
        let day = 20_000.0 * 86_400
        try limits.admitUpstream(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.4, now: day)
        try limits.admitUpstream(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.4, now: day + 1)
        try limits.admitUpstream(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.4, now: day + 2)  // 0.8 in flight < 1
        let e = #expect(throws: GatewayError.self) { try limits.admitUpstream(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.4, now: day + 3) }
        #expect(e?.code == "budget_exceeded", "1.2 in flight: the fourth waits")
        limits.settle(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.4, actualTokens: 10, costUSD: 0.1, now: day + 4)
        try limits.admitUpstream(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.4, now: day + 5)  // 0.1 spent + 0.8 in flight < 1
        #expect(throws: GatewayError.self) { try limits.admitUpstream(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.4, now: day + 6) }
        // Calls that never settled stop counting.
        try limits.admitUpstream(key, id: "k", estimatedTokens: 10, estimatedUSD: 0.4, now: day + 7 + KeyLimits.reservationLifetime)
    }
}
