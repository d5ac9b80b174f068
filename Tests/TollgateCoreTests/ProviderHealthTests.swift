import Foundation
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

@Suite("Provider health: breaker, concurrency, strategies")
struct ProviderHealthTests {
    @Test func breakerOpensAfterNFailuresAndProbesAfterTheCooldown() {
        let h = ProviderHealth(failureThreshold: 3, cooldown: 10)
        let t0 = Date(timeIntervalSince1970: 1_000)
        for i in 0..<3 {
            #expect(h.acquire("p", maxConcurrency: nil, now: t0) == nil, "closed while failures < 3 (\(i))")
            h.release("p", success: false, latency: nil, now: t0)
        }
        #expect(h.acquire("p", maxConcurrency: nil, now: t0.addingTimeInterval(5)) == .breakerOpen(until: t0.addingTimeInterval(10)))
        // After the cool-down one probe goes through; a second concurrent one does not.
        #expect(h.acquire("p", maxConcurrency: nil, now: t0.addingTimeInterval(11)) == nil)
        #expect(h.acquire("p", maxConcurrency: nil, now: t0.addingTimeInterval(11)) != nil)
        h.release("p", success: false, latency: nil, now: t0.addingTimeInterval(11))
        #expect(h.acquire("p", maxConcurrency: nil, now: t0.addingTimeInterval(12)) != nil, "a failed probe opens it again")
        #expect(h.acquire("p", maxConcurrency: nil, now: t0.addingTimeInterval(22)) == nil)
        h.release("p", success: true, latency: 0.1, now: t0.addingTimeInterval(22))
        #expect(h.acquire("p", maxConcurrency: nil, now: t0.addingTimeInterval(22)) == nil, "a good probe closes it")
    }

    @Test func maxConcurrencyAndClientErrors() {
        let h = ProviderHealth(failureThreshold: 1, cooldown: 10)
        #expect(h.acquire("p", maxConcurrency: 2) == nil)
        #expect(h.acquire("p", maxConcurrency: 2) == nil)
        #expect(h.acquire("p", maxConcurrency: 2) == .busy)
        h.release("p", success: nil, latency: nil)
        #expect(h.acquire("p", maxConcurrency: 2) == nil, "a client error frees the slot and does not trip the breaker")
    }

    @Test func routerSkipsAnOpenBreakerAndSaysSo() async throws {
        let router = ProviderRouter(providers: [provider("flaky", model("m", input: 1, output: 1)), provider("steady", model("m", input: 2, output: 2))],
                                    breakerFailures: 2, breakerCooldownSeconds: 600)
        let log = CallLog()
        for _ in 0..<4 {
            _ = try await router.route(try chat(model: "m")) { c throws(UpstreamFailure) in
                log.add(c.provider.name)
                if c.provider.name == "flaky" { throw .server(status: 500, "down") }
                return anAnswer
            }
        }
        #expect(log.all == ["flaky", "steady", "flaky", "steady", "steady", "steady"], "flaky is skipped once its breaker opens")
        let lone = ProviderRouter(providers: [provider("flaky", model("m", input: 1, output: 1))], breakerFailures: 1, breakerCooldownSeconds: 600)
        _ = try? await lone.route(try chat(model: "m")) { _ throws(UpstreamFailure) -> UpstreamAnswer in throw .connect("refused") }
        let error = await #expect(throws: GatewayError.self) {
            _ = try await lone.route(try chat(model: "m")) { _ throws(UpstreamFailure) in anAnswer }
        }
        #expect(error?.status == .serviceUnavailable && error?.code == "upstream_unavailable" && (error?.retryAfter ?? 0) > 0)
    }

    @Test func fastestPrefersTheLowLatencyProvider() throws {
        // Latencies are recorded as the router records them, without wall-clock sleeps: a timed
        // test flips on a loaded machine (a 2 ms sleep once took longer than a 200 ms one).
        let router = ProviderRouter(providers: [provider("slow", model("m", input: 1, output: 1)), provider("quick", model("m", input: 5, output: 5))],
                                    strategy: .fastest)
        let request = try chat(model: "m")
        #expect(try router.candidates(for: request).map(\.provider.name) == ["slow", "quick"], "unmeasured: cheapest first")
        func record(_ name: String, _ seconds: Double) {
            _ = router.health.acquire(name, maxConcurrency: nil)
            router.health.release(name, success: true, latency: seconds)
        }
        record("slow", 0.200)
        #expect(try router.candidates(for: request).first?.provider.name == "quick", "an unmeasured provider goes first, to be measured")
        record("quick", 0.002)
        #expect(try router.candidates(for: request).map(\.provider.name) == ["quick", "slow"])
        record("quick", 0.900)  // one slow answer moves the EWMA, and order follows it
        #expect(try router.candidates(for: request).map(\.provider.name) == ["slow", "quick"])
        for _ in 0..<8 { record("quick", 0.002) }
        #expect(try router.candidates(for: request).first?.provider.name == "quick", "it recovers as fast answers come in")
    }

    @Test func aStaleLatencyIsMeasuredAgain() {
        let health = ProviderHealth()
        let t0 = Date()
        _ = health.acquire("p", maxConcurrency: nil, now: t0)
        health.release("p", success: true, latency: 0.5, now: t0)
        #expect(health.latency("p", now: t0.addingTimeInterval(1)) == 0.5)
        #expect(health.latency("p", now: t0.addingTimeInterval(ProviderHealth.latencyMaxAge + 1)) == nil, "forgotten: `fastest` tries it again")
        _ = health.acquire("p", maxConcurrency: nil, now: t0.addingTimeInterval(60))
        health.release("p", success: true, latency: 0.01, now: t0.addingTimeInterval(60))
        #expect(health.latency("p", now: t0.addingTimeInterval(60)) == 0.01, "a new sample after a gap starts afresh, not averaged with the old spell")
    }

    @Test func weightedSplitsAboutAsConfigured() async throws {
        var a = provider("a", model("m", input: 1, output: 1))
        a.weight = 3
        let router = ProviderRouter(providers: [a, provider("b", model("m", input: 1, output: 1))], strategy: .weighted)
        let log = CallLog()
        for _ in 0..<2000 {
            _ = try await router.route(try chat(model: "m")) { c throws(UpstreamFailure) in
                log.add(c.provider.name)
                return anAnswer
            }
        }
        let share = Double(log.all.filter { $0 == "a" }.count) / 2000
        #expect(abs(share - 0.75) < 0.05, "share of a: \(share)")
    }
}
