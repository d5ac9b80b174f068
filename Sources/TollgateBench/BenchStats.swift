import Foundation
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// A proportion with its 95 % Wilson score interval.
public struct Proportion: Sendable, Equatable {
    public let count: Int
    public let total: Int

    public init(_ count: Int, of total: Int) {
        self.count = count
        self.total = total
    }

    /// count / total; nil when total is 0.
    public var value: Double? { total == 0 ? nil : Double(count) / Double(total) }

    /// The 95 % Wilson score interval (z = 1.96); nil when total is 0.
    public var wilson: (low: Double, high: Double)? {
        guard total > 0 else { return nil }
        let z = 1.959963984540054, n = Double(total), p = Double(count) / n
        let denominator = 1 + z * z / n
        let centre = (p + z * z / (2 * n)) / denominator
        let half = z * ((p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()) / denominator
        // At 0 and at total the bound on that side is exactly 0 or 1 (the formula's rounding is not).
        return (count == 0 ? 0 : max(0, centre - half), count == total ? 1 : min(1, centre + half))
    }

    /// "12.3 % (95 % CI 10.1–14.8 %)", or "n/a".
    public var percentText: String {
        guard let v = value, let w = wilson else { return "n/a" }
        return String(format: "%.2f %% (95 %% CI %.2f–%.2f %%)", 100 * v, 100 * w.low, 100 * w.high)
    }

    public var json: JSONValue {
        guard let v = value, let w = wilson else { return ["count": .int(count), "of": .int(total), "value": nil] }
        return ["count": .int(count), "of": .int(total), "value": .double(BenchStats.round(v)),
                "ci95": [.double(BenchStats.round(w.low)), .double(BenchStats.round(w.high))]]
    }
}

/// Percentiles of one latency series, in milliseconds.
public struct LatencySummary: Sendable {
    public let count: Int
    public let p50: Double
    public let p95: Double
    public let p99: Double
    public let mean: Double

    /// Nearest-rank percentiles of `nanos`; nil when empty.
    public init?(nanos: [Int64]) {
        guard !nanos.isEmpty else { return nil }
        let s = nanos.sorted()
        func rank(_ q: Double) -> Double { Double(s[min(s.count - 1, max(0, Int((q * Double(s.count)).rounded(.up)) - 1))]) / 1e6 }
        count = s.count
        p50 = rank(0.50)
        p95 = rank(0.95)
        p99 = rank(0.99)
        mean = Double(s.reduce(0, +)) / Double(s.count) / 1e6
    }

    public var json: JSONValue {
        ["count": .int(count), "p50_ms": .double(BenchStats.round(p50)), "p95_ms": .double(BenchStats.round(p95)),
         "p99_ms": .double(BenchStats.round(p99)), "mean_ms": .double(BenchStats.round(mean))]
    }
}

/// Small numeric helpers of the bench reports.
public enum BenchStats {
    /// Six significant decimals, enough for ratios and milliseconds in a report.
    public static func round(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }

    /// A threshold as text: two decimals, three when it needs them (0.925).
    public static func threshold(_ t: Double) -> String {
        abs(t * 100 - (t * 100).rounded()) < 1e-6 ? String(format: "%.2f", t) : String(format: "%.3f", t)
    }

    /// A threshold range `FROM:TO:STEP` (inclusive, rounded to 4 decimals).
    public static func sweep(_ spec: String) -> [Double]? {
        let parts = spec.split(separator: ":").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let from = parts[0], let to = parts[1], let step = parts[2], step > 0, from <= to,
              from >= 0, to <= 1 else { return nil }
        var out: [Double] = []
        var k = 0
        while true {
            let t = ((from + Double(k) * step) * 10_000).rounded() / 10_000
            if t > to + 1e-9 { break }
            out.append(t)
            k += 1
        }
        return out
    }
}
