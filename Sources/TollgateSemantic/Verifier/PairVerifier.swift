import TollgateBase
import TollgateExactCache
import Foundation

/// Scores how likely two prompts ask the same thing (0...1): the pair verifier, or a wrapper of it
/// (the bench memoizes scores across the runs of a sweep).
public protocol PairScorer: Sendable {
    func score(_ a: String, _ b: String) -> Float
}

/// An error loading the pair verifier.
public enum PairVerifierError: Error, CustomStringConvertible {
    case incompatibleWeights(String)

    public var description: String {
        switch self {
        case let .incompatibleWeights(reason): return "pair verifier: incompatible weights: \(reason)"
        }
    }
}

/// The pair verifier: a MiniLM-L6 cross-encoder that reads two prompts together and gives the probability
/// that they ask the same thing (issue 15). Trained by `training/verifier/train.py`.
///
/// Input `[CLS] a [SEP] b [SEP]` (token types 0 then 1), at most `maxTokens` ids (longest-first truncation,
/// ties trimmed from `b`, as the trainer does); the six BERT layers; the mean of the final token states;
/// `tanh(dense)`; one logit. The word embeddings are the embedder's (`model.safetensors` of
/// all-MiniLM-L6-v2, frozen in training, so the verifier file does not ship them twice); everything else
/// comes from the verifier file (`models/verifier/pair-verifier.safetensors`, fp16, widened to F32 once at
/// load). The forward pass is the embedder's (`BertEncoder.runLayers`, `TransformerKernels`).
///
/// Thread safety: immutable after init; each call borrows a workspace from a pool.
public final class PairVerifier: PairScorer, @unchecked Sendable {
    public let tokenizer: WordPieceTokenizer
    public let configuration: BertConfiguration
    /// The most ids of a pair, `[CLS]` and both `[SEP]` included (from the file's metadata, default 64).
    public let maxTokens: Int

    private let embedderFile: SafetensorsFile
    private let verifierFile: SafetensorsFile
    private let storage: WidenedTensors
    private let wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings: UnsafePointer<Float>
    private let embeddingNormGamma, embeddingNormBeta: UnsafePointer<Float>
    private let layers: [BertLayerWeights]
    private let headDense, headDenseBias, headOut, headOutBias: UnsafePointer<Float>
    private let workspaces: BertWorkspacePool

    /// Loads the verifier from its file and the embedder's model directory (`model.safetensors`, `vocab.txt`,
    /// optional `config.json`).
    public convenience init(verifierFile: URL, modelDirectory: URL) throws {
        let configURL = modelDirectory.appendingPathComponent("config.json")
        let configuration = FileManager.default.fileExists(atPath: configURL.path)
            ? try BertConfiguration(contentsOf: configURL) : .miniLML6
        try self.init(
            verifier: try SafetensorsFile(path: verifierFile.path),
            embedder: try SafetensorsFile(path: modelDirectory.appendingPathComponent("model.safetensors").path),
            tokenizer: try WordPieceTokenizer(vocabularyFile: modelDirectory.appendingPathComponent("vocab.txt")),
            configuration: configuration)
    }

    public init(verifier: SafetensorsFile, embedder: SafetensorsFile, tokenizer: WordPieceTokenizer,
                configuration c: BertConfiguration = .miniLML6) throws {
        guard verifier.metadata["format"] == "tollgate-pair-verifier-1" else {
            throw PairVerifierError.incompatibleWeights(
                "\(verifier.path): metadata format is \(verifier.metadata["format"] ?? "missing"), expected tollgate-pair-verifier-1")
        }
        guard tokenizer.vocabulary.count == c.vocabularySize else {
            throw PairVerifierError.incompatibleWeights(
                "vocab.txt has \(tokenizer.vocabulary.count) tokens, the model \(c.vocabularySize)")
        }
        let maxTokens = Int(verifier.metadata["max_tokens"] ?? "") ?? 64
        guard maxTokens >= 3, maxTokens <= c.maxPositions else {
            throw PairVerifierError.incompatibleWeights("max_tokens \(maxTokens) is not in 3...\(c.maxPositions)")
        }
        self.tokenizer = tokenizer
        self.configuration = c
        self.maxTokens = maxTokens
        self.embedderFile = embedder
        self.verifierFile = verifier
        let storage = WidenedTensors(file: verifier)
        self.storage = storage
        let h = c.hiddenSize
        let prefix = embedder.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        wordEmbeddings = try embedder.float32(prefix + "embeddings.word_embeddings.weight", shape: [c.vocabularySize, h]).baseAddress!
        func tensor(_ name: String, _ shape: [Int]) throws -> UnsafePointer<Float> { try storage.floats(name, shape: shape) }
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [c.maxPositions, h])
        tokenTypeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [2, h])
        embeddingNormGamma = try tensor("embeddings.LayerNorm.weight", [h])
        embeddingNormBeta = try tensor("embeddings.LayerNorm.bias", [h])
        layers = try (0..<c.layerCount).map { try BertLayerWeights(layer: $0, configuration: c, tensor: tensor) }
        headDense = try tensor("classifier.dense.weight", [h, h])
        headDenseBias = try tensor("classifier.dense.bias", [h])
        headOut = try tensor("classifier.out.weight", [1, h])
        headOutBias = try tensor("classifier.out.bias", [1])
        workspaces = BertWorkspacePool(configuration: c, maxTokens: maxTokens)
    }

    // MARK: - Public API

    /// The probability (0...1) that `a` and `b` mean the same request.
    public func score(_ a: String, _ b: String) -> Float {
        let z = logit(a, b)
        return 1 / (1 + TransformerKernels.fastExp(-z))
    }

    /// The raw logit of `score(_:_:)` (log-odds of "same meaning").
    public func logit(_ a: String, _ b: String) -> Float {
        let (ids, types) = pairTokens(a, b)
        return logit(ids: ids, tokenTypes: types)
    }

    /// `[CLS] a [SEP] b [SEP]` ids and token types (0 up to the first `[SEP]`, 1 after), truncated to
    /// `maxTokens` longest-first (one id at a time from the longer side, from `b` on ties).
    public func pairTokens(_ a: String, _ b: String) -> (ids: [Int32], tokenTypes: [Int32]) {
        // encode gives [CLS] … [SEP] with at most maxTokens - 2 word ids: enough, as each side keeps fewer.
        let ia = tokenizer.encode(a, maxLength: maxTokens).dropFirst().dropLast()
        let ib = tokenizer.encode(b, maxLength: maxTokens).dropFirst().dropLast()
        var na = ia.count, nb = ib.count
        while na + nb > maxTokens - 3 {
            if na > nb { na -= 1 } else { nb -= 1 }
        }
        var ids: [Int32] = [tokenizer.clsID]
        ids.reserveCapacity(na + nb + 3)
        ids += ia.prefix(na)
        ids.append(tokenizer.sepID)
        ids += ib.prefix(nb)
        ids.append(tokenizer.sepID)
        let types = [Int32](repeating: 0, count: na + 2) + [Int32](repeating: 1, count: nb + 1)
        return (ids, types)
    }

    /// The logit for already built ids and token types (as `pairTokens` gives).
    public func logit(ids: [Int32], tokenTypes: [Int32]) -> Float {
        precondition(!ids.isEmpty && ids.count <= maxTokens && ids.count == tokenTypes.count, "bad pair ids")
        let vocab = Int32(configuration.vocabularySize)
        precondition(ids.allSatisfy { $0 >= 0 && $0 < vocab } && tokenTypes.allSatisfy { $0 == 0 || $0 == 1 },
                     "id or token type out of range")
        return workspaces.with { ws in forward(ids: ids, types: tokenTypes, workspace: ws) }
    }

    // MARK: - Forward pass

    private func forward(ids: [Int32], types: [Int32], workspace ws: BertWorkspace) -> Float {
        typealias K = TransformerKernels
        let c = configuration, h = c.hiddenSize, n = ids.count
        let x = ws.x
        for t in 0..<n {
            let row = x + t * h
            let word = wordEmbeddings + Int(ids[t]) * h
            let position = positionEmbeddings + t * h
            let type = tokenTypeEmbeddings + Int(types[t]) * h
            for j in 0..<h { row[j] = word[j] + position[j] + type[j] }
        }
        K.layerNorm(x, rows: n, width: h, gamma: embeddingNormGamma, beta: embeddingNormBeta, eps: c.layerNormEpsilon)
        BertEncoder.runLayers(layers, tokenCount: n, configuration: c, workspace: ws)

        // Mean of the token states (into q's first row), tanh(dense), then the output logit.
        let pooled = ws.q, hidden = ws.k
        pooled.update(repeating: 0, count: h)
        for t in 0..<n {
            let row = x + t * h
            for j in 0..<h { pooled[j] += row[j] }
        }
        let inv = 1 / Float(n)
        for j in 0..<h { pooled[j] *= inv }
        hidden.update(from: headDenseBias, count: h)
        K.gemmABt(m: 1, n: h, k: h, a: pooled, lda: h, b: headDense, ldb: h, beta: 1, c: hidden, ldc: h)
        var z = headOutBias[0]
        for j in 0..<h { z += Float(tanh(Double(hidden[j]))) * headOut[j] }
        return z
    }
}

/// The verifier file's tensors as F32: F32 tensors in place in the mapping, F16 ones widened once into
/// buffers owned here (freed with it).
private final class WidenedTensors {
    let file: SafetensorsFile
    private var owned: [UnsafeMutableBufferPointer<Float>] = []

    init(file: SafetensorsFile) { self.file = file }

    func floats(_ name: String, shape: [Int]) throws -> UnsafePointer<Float> {
        let info = try file.info(name)
        guard info.shape == shape else {
            throw SafetensorsError.wrongShape(name: name, expected: shape, actual: info.shape)
        }
        switch info.dtype {
        case "F32":
            return try file.float32(name, shape: shape).baseAddress!
        case "F16":
            let raw = try file.rawBytes(name)
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: info.elementCount)
            for i in 0..<info.elementCount {
                let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                buffer[i] = Float(Float16(bitPattern: bits))
            }
            owned.append(buffer)
            return UnsafePointer(buffer.baseAddress!)
        default:
            throw SafetensorsError.wrongDType(name: name, expected: "F16 or F32", actual: info.dtype)
        }
    }

    deinit {
        for b in owned { b.deallocate() }
    }
}
