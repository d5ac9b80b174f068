import Synchronization
import TollgateBase
import TollgateExactCache

/// What the semantic layer measures about itself for `tollgate bench`: the total time spent
/// embedding prompts and in lookups (index search, vector rows, the guard), and — only while
/// recording — the cached prompts the guard refused and the nearest one of a lookup that missed. Totals are cumulative; the bench replays one
/// request at a time and reads the difference around each request.
public final class SemanticProbe: Sendable {
    struct State {
        var embedNanos: Int64 = 0
        var lookupNanos: Int64 = 0
        var recording = false
        var refused: [Refusal] = []
        var nearest: Nearest?
    }

    /// The nearest cached prompt of a lookup that served nothing: its text and similarity.
    public struct Nearest: Sendable {
        public let cachedPrompt: String?
        public let similarity: Double
    }

    /// A cached prompt the guard refused for a query: its similarity and the check that failed.
    public struct Refusal: Sendable {
        public let cachedPrompt: String
        public let similarity: Double
        public let check: String
    }

    /// Totals so far, the refused cached prompts since the last `take()`, and the nearest
    /// candidate of the last lookup since then that served nothing.
    public struct Snapshot: Sendable {
        public let embedNanos: Int64
        public let lookupNanos: Int64
        public let refused: [Refusal]
        public let nearest: Nearest?
    }

    let state = Mutex(State())

    public init() {}

    /// From now on, keep the cached prompts the guard refuses (drained by `take()`).
    public func startRecording() { state.withLock { $0.recording = true } }

    /// The totals, and the refused prompts recorded since the last call.
    public func take() -> Snapshot {
        state.withLock { s in
            defer {
                s.refused.removeAll(keepingCapacity: true)
                s.nearest = nil
            }
            return Snapshot(embedNanos: s.embedNanos, lookupNanos: s.lookupNanos, refused: s.refused, nearest: s.nearest)
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

    /// Recording (the bench): then `missed` is worth a store read for the prompt's text.
    var recording: Bool { state.withLock { $0.recording } }

    func missed(nearest cachedPrompt: String?, similarity: Float) {
        state.withLock {
            if $0.recording { $0.nearest = Nearest(cachedPrompt: cachedPrompt, similarity: Double(similarity)) }
        }
    }

    func refused(_ cachedPrompt: String, similarity: Float, check: String) {
        state.withLock {
            if $0.recording { $0.refused.append(Refusal(cachedPrompt: cachedPrompt, similarity: Double(similarity), check: check)) }
        }
    }

    /// A duration in whole nanoseconds.
    public static func nanos(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}
