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
