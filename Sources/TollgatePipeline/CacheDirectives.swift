import HTTPTypes
import TollgateBase
import TollgateHTTPClient
import TollgateExactCache
import TollgateSemantic
import TollgateProviders
import TollgateRouting
import TollgateShared
import TollgateFixtures
import TollgateDialects

/// What the client asked of the cache, from `Cache-Control`, `x-tollgate-cache` and
/// `x-tollgate-threshold`.
public struct CacheDirectives: Sendable, Equatable {
    /// Which layers may answer.
    public enum Mode: String, Sendable {
        case off, exact, semantic
    }

    public var mode = Mode.semantic
    /// `Cache-Control: no-cache` or mode `off`: skip the lookup (the response says `bypass`).
    public var lookup = true
    /// `Cache-Control: no-store` or mode `off`: do not store the answer.
    public var store = true
    /// `Cache-Control: max-age=N`.
    public var maxAge: Int?
    /// `x-tollgate-threshold`: per-request semantic similarity threshold.
    public var threshold: Double?

    /// The largest `max-age` honoured (RFC 9111: larger values mean this).
    public static let maxDeltaSeconds = 1 << 31

    public static let cacheHeader = HTTPField.Name("x-tollgate-cache")!
    public static let thresholdHeader = HTTPField.Name("x-tollgate-threshold")!

    public init() {}

    public init(headers: HTTPFields) throws(GatewayError) {
        if let value = headers[CacheDirectives.cacheHeader] {
            guard let mode = Mode(rawValue: value.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw .invalidRequest("Invalid x-tollgate-cache header `\(value)`: expected off, exact or semantic.", param: "x-tollgate-cache", code: "invalid_header")
            }
            self.mode = mode
            if mode == .off { lookup = false; store = false }
        }
        for value in headers[values: .cacheControl] {
            for directive in value.split(separator: ",") {
                let d = directive.trimmingCharacters(in: .whitespaces).lowercased()
                if d == "no-cache" {
                    lookup = false
                } else if d == "no-store" {
                    store = false
                } else if d.hasPrefix("max-age=") {
                    let digits = d.dropFirst(8).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                        throw .invalidRequest("Invalid Cache-Control max-age `\(d)`: expected a whole number of seconds.", param: "cache-control", code: "invalid_header")
                    }
                    // RFC 9111 §1.2.2: a delta-seconds past 2^31 is taken as 2^31.
                    let n = Int(digits).map { min($0, CacheDirectives.maxDeltaSeconds) } ?? CacheDirectives.maxDeltaSeconds
                    maxAge = min(maxAge ?? n, n)
                }
                // Other directives (private, no-transform, …) do not concern the gateway.
            }
        }
        if let value = headers[CacheDirectives.thresholdHeader] {
            guard let t = Double(value.trimmingCharacters(in: .whitespaces)), t >= 0, t <= 1 else {
                throw .invalidRequest("Invalid x-tollgate-threshold header `\(value)`: expected a number from 0.0 to 1.0.", param: "x-tollgate-threshold", code: "invalid_header")
            }
            threshold = t
        }
    }
}

import Foundation
