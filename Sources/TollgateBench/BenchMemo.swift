import Synchronization
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// An embedder that remembers every vector it computed, for the runs of one sweep: the model is
/// deterministic, so a text embedded at the first threshold gets the same vector at the next.
/// Runs that reuse vectors are marked in the report (their embedding times are not real).
public final class MemoEmbedder: Embedder {
    let inner: any Embedder
    let memo = Mutex<[String: [Float]]>([:])

    public init(_ inner: any Embedder) { self.inner = inner }

    public var dimension: Int { inner.dimension }
    public var name: String { inner.name }
    public var readability: PromptReadability? { inner.readability }

    public func embed(_ text: String) async throws -> [Float] {
        if let v = memo.withLock({ $0[text] }) { return v }
        let v = try await inner.embed(text)
        memo.withLock { $0[text] = v }
        return v
    }
}

/// The pair verifier's scores remembered for the runs of one sweep: a (query, cached) pair scored at
/// one threshold gets the same probability at the next (the forward pass is deterministic).
public final class MemoPairScorer: PairScorer {
    let inner: any PairScorer
    let memo = Mutex<[String: Float]>([:])

    public init(_ inner: any PairScorer) { self.inner = inner }

    public func score(_ a: String, _ b: String) -> Float {
        let key = a + "\u{0}" + b
        if let p = memo.withLock({ $0[key] }) { return p }
        let p = inner.score(a, b)
        memo.withLock { $0[key] = p }
        return p
    }
}
