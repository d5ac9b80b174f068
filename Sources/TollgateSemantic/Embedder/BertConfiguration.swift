import Foundation
import TollgateBase
import TollgateExactCache
import TollgateHTTPClient

/// An error loading the embedding model or calling it with bad input.
public enum EmbedderError: Error, Equatable, CustomStringConvertible {
    /// `config.json` is unreadable, or describes a model this implementation does not run.
    case invalidConfiguration(String)
    /// The weights do not fit the configuration or the vocabulary.
    case incompatibleWeights(String)
    /// `embed(tokenIDs:)` was given no ids, too many, or an id outside the vocabulary.
    case invalidTokenIDs(String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case let .invalidConfiguration(reason): return "embedder: invalid configuration: \(reason)"
        case let .incompatibleWeights(reason): return "embedder: incompatible weights: \(reason)"
        case let .invalidTokenIDs(reason): return "embedder: invalid token ids: \(reason)"
        }
    }
}

/// The dimensions of a BERT encoder, as in a HuggingFace `config.json`.
public struct BertConfiguration: Sendable, Equatable {
    /// Number of tokens in the vocabulary (`vocab_size`).
    public var vocabularySize: Int
    /// Width of the hidden states (`hidden_size`).
    public var hiddenSize: Int
    /// Number of encoder layers (`num_hidden_layers`).
    public var layerCount: Int
    /// Number of attention heads (`num_attention_heads`); must divide `hiddenSize`.
    public var headCount: Int
    /// Width of the feed-forward layer (`intermediate_size`).
    public var intermediateSize: Int
    /// Number of learned positions (`max_position_embeddings`).
    public var maxPositions: Int
    /// LayerNorm epsilon (`layer_norm_eps`).
    public var layerNormEpsilon: Float

    /// all-MiniLM-L6-v2: 6 layers, hidden 384, 12 heads, intermediate 1536, vocabulary 30522, 512 positions.
    public static let miniLML6 = BertConfiguration(
        vocabularySize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12,
        intermediateSize: 1536, maxPositions: 512, layerNormEpsilon: 1e-12)

    /// Creates a configuration from its dimensions.
    public init(
        vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int,
        intermediateSize: Int, maxPositions: Int, layerNormEpsilon: Float
    ) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Reads a HuggingFace BERT `config.json`.
    /// - Throws: `EmbedderError.invalidConfiguration` if it is unreadable, lacks a dimension, or asks for
    ///   something this implementation does not do (an activation other than exact `gelu`, relative positions).
    public init(contentsOf url: URL) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) } catch {
            throw EmbedderError.invalidConfiguration("cannot read \(url.path): \(error)")
        }
        guard let json = object as? [String: Any] else {
            throw EmbedderError.invalidConfiguration("\(url.path) is not a JSON object")
        }
        func number(_ key: String) throws -> Double {
            if let n = json[key] as? NSNumber { return n.doubleValue }
            if let i = json[key] as? Int { return Double(i) }
            if let d = json[key] as? Double { return d }
            throw EmbedderError.invalidConfiguration("\(url.path) has no numeric \(key)")
        }
        func int(_ key: String) throws -> Int {
            let d = try number(key)
            guard d >= 1, d < 1e9, d.rounded() == d else {
                throw EmbedderError.invalidConfiguration("\(key) = \(d) is not a positive integer")
            }
            return Int(d)
        }
        if let act = json["hidden_act"] as? String, act != "gelu" {
            throw EmbedderError.invalidConfiguration("hidden_act \(act) is not supported (only exact gelu)")
        }
        if let pos = json["position_embedding_type"] as? String, pos != "absolute" {
            throw EmbedderError.invalidConfiguration("position_embedding_type \(pos) is not supported")
        }
        self.init(
            vocabularySize: try int("vocab_size"), hiddenSize: try int("hidden_size"),
            layerCount: try int("num_hidden_layers"), headCount: try int("num_attention_heads"),
            intermediateSize: try int("intermediate_size"), maxPositions: try int("max_position_embeddings"),
            layerNormEpsilon: Float((try? number("layer_norm_eps")) ?? 1e-12))
    }
}

