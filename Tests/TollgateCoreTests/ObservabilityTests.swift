import Foundation
import Testing
@testable import TollgateBase
import TollgateCore

/// Numbers as an operator reads them: no float noise in `/metrics` or the access log, and
/// route labels that cannot grow with unknown paths.
@Suite("Observability formatting")
struct ObservabilityTests {
    @Test func sampleValuesAreRoundedToNanoUnits() {
        #expect(Observability.sampleValue("0.00015759999999999998") == "0.0001576")
        #expect(Observability.sampleValue("3.0") == "3")
        #expect(Observability.sampleValue("42") == "42")
        #expect(Observability.sampleValue("+Inf") == "+Inf")
        #expect(Observability.sampleValue("0.1234567894") == "0.123456789")
    }

    @Test func logNumbersAreShortAndExact() {
        #expect(LogNumber(usd: 0.00015759999999999998).description == "0.0001576")
        #expect(LogNumber(usd: 0).description == "0")
        #expect(LogNumber(12.5, decimals: 3).description == "12.5")
        #expect(LogNumber(404).description == "404")
        #expect(LogNumber(-0.0000000001, decimals: 9).description == "0")
    }

    /// The integer formatter against `String(format:)` on generated values: within half a unit of
    /// the last decimal, no trailing zeros, and the same text as printf's except next to a tie (one unit of the last decimal apart).
    @Test func logNumbersAgreeWithPrintfOnGeneratedValues() throws {
        var rng = SystemRandomNumberGenerator()
        var differing = 0
        for i in 0..<20_000 {
            let decimals = [0, 3, 4, 6, 9][i % 5]
            let magnitude = pow(10.0, Double.random(in: -11...7, using: &rng))
            let d = (Bool.random(using: &rng) ? -1 : 1) * magnitude
            let text = LogNumber(d, decimals: decimals).description
            let parsed = try #require(Double(text), "\(text) is not a number (from \(d))")
            #expect(abs(parsed - d) <= 0.5 * pow(10, -Double(decimals)) * (1 + 1e-9) + abs(d) * 1e-15, "\(d) → \(text)")
            if text.contains(".") { #expect(!text.hasSuffix("0"), "\(d) → \(text)") }
            #expect(text != "-0")
            let printf = LogNumber.trimmed(String(format: "%.\(decimals)f", d))
            if text != printf {
                // Only where d lies within an ulp of a tie: one unit of the last decimal apart.
                differing += 1
                let other = try #require(Double(printf))
                #expect(abs(parsed - other) <= pow(10, -Double(decimals)) * 1.000001 + abs(d) * 1e-15, "\(d): \(text) vs printf \(printf)")
            }
        }
        #expect(differing <= 100, "\(differing) of 20,000 differ from printf")
    }

    @Test func routesAreTemplatesOrOther() {
        #expect(Observability.route("/v1/models/gpt-4o") == "/v1/models/{id}")
        #expect(Observability.route("/v1/responses/resp_1") == "/v1/responses/{id}")
        #expect(Observability.route("/v1/messages") == "/v1/messages")
        #expect(Observability.route("/v1/models/a/b") == "other")
        #expect(Observability.route("/wp-admin") == "other")
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(JSONLogHandler.timestamp(Date(timeIntervalSince1970: 1_796_000_000.25)) == "2026-11-30T00:53:20.250Z")
    }
}
