import Synchronization
import TollgateBase
import TollgateExactCache

/// What the semantic layer measures about itself for `tollgate bench`: the total time spent
/// embedding prompts and in lookups (index search, vector rows, the guard), and — only while
/// recording — the cached prompts the guard refused. Totals are cumulative; the bench replays one
/// request at a time and reads the difference around each request.
public final class SemanticProbe: Sendable {
    struct State {
        var embedNanos: Int64 = 0
        var lookupNanos: Int64 = 0
        var recording = false
        var refused: [Refusal] = []
    }

    /// A cached prompt the guard refused for a query: its similarity and the check that failed.
    public struct Refusal: Sendable {
        public let cachedPrompt: String
        public let similarity: Double
        public let check: String
    }

    /// Totals so far, and the refused cached prompts since the last `take()`.
    public struct Snapshot: Sendable {
        public let embedNanos: Int64
        public let lookupNanos: Int64
        public let refused: [Refusal]
    }

    let state = Mutex(State())

    public init() {}

    /// From now on, keep the cached prompts the guard refuses (drained by `take()`).
    public func startRecording() { state.withLock { $0.recording = true } }

    /// The totals, and the refused prompts recorded since the last call.
    public func take() -> Snapshot {
        state.withLock { s in
            defer { s.refused.removeAll(keepingCapacity: true) }
            return Snapshot(embedNanos: s.embedNanos, lookupNanos: s.lookupNanos, refused: s.refused)
        }
    }

    func embedded(since start: ContinuousClock.Instant) {
        let n = SemanticProbe.nanos(ContinuousClock.now - start)
        state.withLock { $0.embedNanos += n }
    }

    func lookedUp(since start: ContinuousClock.Instant) {
        let n = SemanticProbe.nanos(ContinuousClock.now - start)
        state.withLock { $0.lookupNanos += n }
    }

    func refused(_ cachedPrompt: String, similarity: Float, check: MismatchKind?) {
        state.withLock {
            if $0.recording { $0.refused.append(Refusal(cachedPrompt: cachedPrompt, similarity: Double(similarity), check: check?.rawValue ?? "guard")) }
        }
    }

    /// A duration in whole nanoseconds.
    public static func nanos(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}
