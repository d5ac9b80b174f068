import Foundation
import TollgateBase
import TollgateExactCache
import TollgateHTTPClient

/// Turns text into a unit-length vector; similar meanings give close vectors.
public protocol Embedder: Sendable {
    /// Length of every vector.
    var dimension: Int { get }
    /// A short name for logs and the `/v1/embeddings` answer.
    var name: String { get }
    /// The L2-normalised embedding of `text`.
    func embed(_ text: String) async throws -> [Float]
    /// What this embedder cannot read (the semantic layer skips such prompts); nil: it reads any text.
    var readability: PromptReadability? { get }
}

extension Embedder {
    /// A model of unknown languages (a remote one) is trusted to read any text.
    public var readability: PromptReadability? { nil }
}

/// A model-free embedder for development: character n-grams (3 to 5) hashed into a fixed-size
/// vector, L2-normalised. Catches near-identical wording, not meaning.
public struct HashingEmbedder: Embedder {
    public let dimension: Int
    public var name: String { "hashing" }
    /// English n-grams: other scripts and code are skipped (no vocabulary, so no language check).
    public var readability: PromptReadability? { PromptReadability(vocabulary: nil) }

    public init(dimension: Int = 384) {
        self.dimension = dimension
    }

    public func embed(_ text: String) throws -> [Float] {
        var v = [Float](repeating: 0, count: dimension)
        let scalars = Array(" \(text.lowercased()) ".unicodeScalars.map { $0.value })
        for n in 3...5 where scalars.count >= n {
            for i in 0...(scalars.count - n) {
                // FNV-1a over the n-gram's scalars: stable across runs and platforms.
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for s in scalars[i..<(i + n)] { h = (h ^ UInt64(s)) &* 0x100_0000_01b3 }
                let sign: Float = (h >> 63) == 0 ? 1 : -1
                v[Int(h % UInt64(dimension))] += sign
            }
        }
        return VectorMath.normalised(v)
    }
}

/// Small vector helpers shared by the embedders and the index.
public enum VectorMath {
    public static func normalised(_ v: [Float]) -> [Float] {
        var norm: Float = 0
        for x in v { norm += x * x }
        norm = norm.squareRoot()
        guard norm > 0 else { return v }
        return v.map { $0 / norm }
    }

    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        var s: Float = 0
        for i in 0..<a.count { s += a[i] * b[i] }
        return s
    }
}

extension MiniLMEmbedder: Embedder {
    public var name: String { "all-MiniLM-L6-v2" }
}
