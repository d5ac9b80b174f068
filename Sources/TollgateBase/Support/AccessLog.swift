import Foundation
import Logging
import Synchronization

/// What one request's access-log line says beyond what its response headers carry: the tenant
/// and model the pipeline found, and a streamed miss's cost (known only at the stream's end).
/// The HTTP layer makes one per request and binds it to `AccessRecord.current` while the
/// request is handled; the pipeline fills it in. Never holds prompt text or keys.
public final class AccessRecord: Sendable {
    /// The record of the request being handled by this task, if any.
    @TaskLocal public static var current: AccessRecord?

    /// The fields the pipeline sets.
    public struct Fields: Sendable {
        public var requestID: String
        public var tenant: String?
        public var model: String?
        /// A streamed answer's cost, set when its stream ends.
        public var streamedCostUSD: Double?
        /// The error code of an error answer (`invalid_api_key`, `offline_no_fixture`, …).
        public var errorCode: String?
    }

    private let state: Mutex<Fields>

    public init(requestID: String) {
        state = Mutex(Fields(requestID: requestID))
    }

    /// The request id (the client's `x-request-id`, or one the gateway made).
    public var requestID: String { state.withLock { $0.requestID } }
    /// A copy of the fields.
    public var fields: Fields { state.withLock { $0 } }

    /// Sets the tenant (once the key is checked).
    public func set(tenant: String) { state.withLock { $0.tenant = tenant } }
    /// Sets the requested model (once the body is parsed).
    public func set(model: String) { state.withLock { $0.model = model } }
    /// Sets the model unless one is set (a hit on the raw-body fast path, which parses nothing,
    /// gives the cached answer's model).
    public func setIfAbsent(model: String) { state.withLock { if $0.model == nil { $0.model = model } } }
    /// Sets the cost of a streamed answer (at the stream's end).
    public func set(streamedCostUSD: Double) { state.withLock { $0.streamedCostUSD = streamedCostUSD } }
    /// Sets the error code of an error answer (the first one set wins).
    public func set(errorCode: String?) {
        guard let errorCode else { return }
        state.withLock { if $0.errorCode == nil { $0.errorCode = errorCode } }
    }
}

/// A number in log metadata that `JSONLogHandler` writes as a JSON number (not a string):
/// `LogNumber(3)`, `LogNumber(0.0001576)`, `LogNumber(usd: cost)`.
public struct LogNumber: CustomStringConvertible, Sendable {
    /// The number's JSON text.
    public let description: String

    public init(_ i: Int) { description = String(i) }

    /// A double with `decimals` fixed decimals, trailing zeros dropped (no float noise).
    public init(_ d: Double, decimals: Int = 6) {
        guard d.isFinite else { description = "0"; return }
        description = LogNumber.fixed(d, decimals: decimals) ?? LogNumber.trimmed(String(format: "%.\(decimals)f", d))
    }

    /// US dollars: rounded to 1e-9, as short as that allows (`0.0001576`, never `0.00015759999999999998`).
    public init(usd: Double) { self.init(usd, decimals: 9) }

    /// `d` rounded to `decimals` decimals (half away from zero), trailing zeros dropped, written with
    /// integer arithmetic: `String(format:)` cost a tenth of an exact hit (an access line has three
    /// numbers). Nil outside the range where the scaled value is an exact integer (then the caller
    /// formats it the slow way).
    static func fixed(_ d: Double, decimals: Int) -> String? {
        guard (0...15).contains(decimals) else { return nil }
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (d.magnitude * Double(scale)).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9.0e15 else { return nil }
        let n = UInt64(scaled)
        guard n != 0 else { return "0" }
        var text = d < 0 ? "-" : ""
        text += String(n / scale)
        var fraction = n % scale, digits = decimals
        guard fraction != 0 else { return text }
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let f = String(fraction)
        text += "." + String(repeating: "0", count: digits - f.count) + f
        return text
    }

    static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s == "-0" ? "0" : s }
        var t = Substring(s)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return t == "-0" ? "0" : String(t)
    }
}
