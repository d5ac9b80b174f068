/// What decides a semantic hit in a bench run: one curve of a sweep.
public enum BenchCurve: String, Sendable, CaseIterable, Comparable {
    /// The cosine threshold alone (no guard, no verifier).
    case alone
    /// The threshold and the look-alike guard (`verifier: false`).
    case guarded = "guard"
    /// The shipped default: candidates at cosine ≥ the threshold, the guard, then the pair verifier.
    case verifier
    /// A running gateway driven over HTTP: whatever its configuration decides.
    case gateway

    /// How reports name it.
    public var title: String {
        switch self {
        case .alone: return "threshold alone"
        case .guarded: return "threshold + guard"
        case .verifier: return "verifier + guard"
        case .gateway: return "the gateway's configuration"
        }
    }

    /// Candidates can be refused (by the guard, or the verifier).
    public var refuses: Bool { self != .alone }

    public static func < (a: BenchCurve, b: BenchCurve) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Each curve's default threshold in a sweep (ringed in the plot, reported in full): the verifier's
/// candidate gate for the verifier curve, the configured threshold for the others. `primary` is the
/// curve the gateway runs by default.
public struct SweepMarks: Sendable {
    public var byCurve: [BenchCurve: Double]
    public var primary: BenchCurve

    public init(byCurve: [BenchCurve: Double], primary: BenchCurve) {
        self.byCurve = byCurve
        self.primary = primary
    }

    /// Every curve marked at `t` (a single default, e.g. with `--mark`).
    public static func all(_ t: Double, primary: BenchCurve = .guarded) -> SweepMarks {
        SweepMarks(byCurve: Dictionary(uniqueKeysWithValues: BenchCurve.allCases.map { ($0, t) }), primary: primary)
    }

    /// The default threshold of `curve` (of the primary curve when it has none).
    public func mark(_ curve: BenchCurve) -> Double { byCurve[curve] ?? byCurve[primary] ?? 0.93 }

    /// The primary curve's default threshold.
    public var primaryMark: Double { mark(primary) }

    /// `point` is its curve's default.
    func isMarked(_ run: BenchRun) -> Bool { abs(run.threshold - mark(run.curve)) < 1e-9 }
}
