import Foundation
import TollgateBase
import TollgateExactCache
import TollgateHTTPClient

/// Sentence embeddings with all-MiniLM-L6-v2 (a 6-layer BERT): tokenize, run the encoder, mean-pool the
/// token states, L2-normalise. The output matches sentence-transformers' `encode(normalize_embeddings=True)`
/// for this model: 384 floats of unit length, so the dot product of two embeddings is their cosine similarity.
///
/// The weights stay in the memory-mapped safetensors file (never copied). Every matrix product goes through
/// `cblas_sgemm`; thread count is OpenBLAS's (`OPENBLAS_NUM_THREADS`).
///
/// Thread safety: the model is immutable; each call borrows a scratch workspace (sized for `maxTokens`) from
/// a lock-protected pool and returns it afterwards, so concurrent calls run in parallel, each with its own
/// buffers, and a steady state allocates nothing but the returned array.
public final class MiniLMEmbedder: @unchecked Sendable {
    /// The tokenizer that `embed(_:)` uses (from the model's `vocab.txt`).
    public let tokenizer: WordPieceTokenizer
    /// English only: prompts in other languages or scripts, or mostly code, are not read (its vocabulary decides).
    public let readability: PromptReadability?
    /// The encoder dimensions.
    public let configuration: BertConfiguration
    /// The most tokens embedded, `[CLS]` and `[SEP]` included; longer texts are truncated (default 256).
    public let maxTokens: Int
    /// Length of every embedding (384 for all-MiniLM-L6-v2).
    public var dimension: Int { configuration.hiddenSize }

    private let file: SafetensorsFile
    private let weights: Weights
    private let workspaces: BertWorkspacePool
    /// Workspaces for packed batches (`embed(batch:)`), allocated on first use.
    private let batchWorkspaces: BertWorkspacePool
    /// The most tokens one batched forward pass packs (its sequences' lengths summed).
    public static let batchTokenCapacity = 2048

    /// Loads the model from a directory holding `model.safetensors`, `vocab.txt` and (optionally)
    /// `config.json`, as `scripts/fetch-model.sh` lays it out.
    /// - Parameter maxTokens: truncation length, `[CLS]`/`[SEP]` included (sentence-transformers uses 256).
    /// - Throws: `SafetensorsError`, `WordPieceTokenizerError` or `EmbedderError` if a file is missing,
    ///   unreadable, or the tensors do not have the expected names, dtype (F32) and shapes.
    public convenience init(modelDirectory: URL, maxTokens: Int = WordPieceTokenizer.defaultMaxLength) throws {
        let configURL = modelDirectory.appendingPathComponent("config.json")
        let configuration = FileManager.default.fileExists(atPath: configURL.path)
            ? try BertConfiguration(contentsOf: configURL) : .miniLML6
        try self.init(
            weights: try SafetensorsFile(path: modelDirectory.appendingPathComponent("model.safetensors").path),
            tokenizer: try WordPieceTokenizer(vocabularyFile: modelDirectory.appendingPathComponent("vocab.txt")),
            configuration: configuration, maxTokens: maxTokens)
    }

    /// Builds the embedder from an opened weights file and a tokenizer.
    ///
    /// Tensor names are those of a HuggingFace `BertModel` (`embeddings.word_embeddings.weight`,
    /// `encoder.layer.N.attention.self.query.weight`, ...), optionally prefixed with `bert.`.
    /// - Throws: `EmbedderError` or `SafetensorsError` if a tensor is missing or has the wrong dtype or shape.
    public init(
        weights file: SafetensorsFile, tokenizer: WordPieceTokenizer,
        configuration: BertConfiguration = .miniLML6, maxTokens: Int = WordPieceTokenizer.defaultMaxLength
    ) throws {
        let c = configuration
        guard c.hiddenSize % c.headCount == 0 else {
            throw EmbedderError.invalidConfiguration("hidden size \(c.hiddenSize) is not a multiple of \(c.headCount) heads")
        }
        guard maxTokens >= 2, maxTokens <= c.maxPositions else {
            throw EmbedderError.invalidConfiguration("maxTokens \(maxTokens) is not in 2...\(c.maxPositions)")
        }
        guard tokenizer.vocabulary.count == c.vocabularySize else {
            throw EmbedderError.incompatibleWeights(
                "vocab.txt has \(tokenizer.vocabulary.count) tokens, the model \(c.vocabularySize)")
        }
        self.file = file
        self.tokenizer = tokenizer
        self.readability = PromptReadability(vocabulary: tokenizer.vocabulary)
        self.configuration = c
        self.maxTokens = maxTokens
        self.weights = try Weights(file: file, configuration: c)
        self.workspaces = BertWorkspacePool(configuration: c, maxTokens: maxTokens)
        self.batchWorkspaces = BertWorkspacePool(configuration: c, maxTokens: max(MiniLMEmbedder.batchTokenCapacity, maxTokens), maxSequence: maxTokens)
    }

    // MARK: - Public API

    /// The embedding of `text`: 384 floats of unit L2 norm (text truncated to `maxTokens` tokens).
    public func embed(_ text: String) -> [Float] {
        let ids = tokenizer.encode(text, maxLength: maxTokens)
        return ids.withUnsafeBufferPointer { run($0) }
    }

    /// The embeddings of several texts, in order (each computed as by `embed(_:)`).
    public func embed(_ texts: [String]) -> [[Float]] {
        texts.map { embed($0) }
    }

    /// The embedding of an already tokenized sequence (normally `[CLS] … [SEP]`, as `tokenize(_:)` gives).
    /// - Throws: `EmbedderError.invalidTokenIDs` if `tokenIDs` is empty, longer than `maxTokens`, or holds
    ///   an id outside the vocabulary.
    public func embed(tokenIDs: [Int32]) throws -> [Float] {
        guard !tokenIDs.isEmpty, tokenIDs.count <= maxTokens else {
            throw EmbedderError.invalidTokenIDs("\(tokenIDs.count) ids; expected 1...\(maxTokens)")
        }
        let vocab = Int32(configuration.vocabularySize)
        if let bad = tokenIDs.first(where: { $0 < 0 || $0 >= vocab }) {
            throw EmbedderError.invalidTokenIDs("id \(bad) is outside the vocabulary 0..<\(vocab)")
        }
        return tokenIDs.withUnsafeBufferPointer { run($0) }
    }

    /// The embeddings of several tokenized sequences (as `tokenize(_:)` gives), computed in as few
    /// forward passes as fit `batchTokenCapacity` tokens: each layer's dense products run once, as
    /// one `sgemm` over every sequence's tokens, attention within each sequence. Each result equals
    /// `embed(tokenIDs:)` of its sequence up to float rounding.
    /// - Precondition: every sequence is valid for `embed(tokenIDs:)` (1...`maxTokens` ids in the vocabulary).
    public func embed(batch sequences: [[Int32]]) -> [[Float]] {
        let vocab = Int32(configuration.vocabularySize)
        precondition(sequences.allSatisfy { !$0.isEmpty && $0.count <= maxTokens && $0.allSatisfy { $0 >= 0 && $0 < vocab } }, "invalid token ids")
        var results: [[Float]] = []
        results.reserveCapacity(sequences.count)
        var start = 0
        while start < sequences.count {
            var end = start, tokens = 0
            while end < sequences.count, tokens + sequences[end].count <= MiniLMEmbedder.batchTokenCapacity || end == start {
                tokens += sequences[end].count
                end += 1
            }
            results += batchWorkspaces.with { ws in forwardBatch(Array(sequences[start..<end]), workspace: ws) }
            start = end
        }
        return results
    }

    /// The token ids `embed(_:)` uses for `text`: `[CLS]`, at most `maxTokens - 2` WordPiece ids, `[SEP]`.
    public func tokenize(_ text: String) -> [Int32] {
        tokenizer.encode(text, maxLength: maxTokens)
    }

    /// Cosine similarity of two vectors of equal length (0 if either is all zeros). For two embeddings,
    /// which are unit-length, this is their dot product.
    public static func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "vectors of different lengths")
        var dot: Double = 0, na: Double = 0, nb: Double = 0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        guard na > 0, nb > 0 else { return 0 }
        return Float(dot / (na.squareRoot() * nb.squareRoot()))
    }

    /// Benchmark support: runs exactly the `cblas_sgemm` calls (same shapes, operands and order) of a forward
    /// pass over `tokenCount` tokens and nothing else, on scratch buffers. The result is discarded; its time
    /// is the floor that the full `embed(tokenIDs:)` is compared with.
    public func runMatrixProductsOnly(tokenCount: Int) {
        precondition(tokenCount >= 1 && tokenCount <= maxTokens, "tokenCount must be in 1...maxTokens")
        withWorkspace { ws in
            forward(tokenCount: tokenCount, ids: nil, workspace: ws, output: nil)
        }
    }

    // MARK: - Forward pass

    private func run(_ ids: UnsafeBufferPointer<Int32>) -> [Float] {
        let h = configuration.hiddenSize
        return [Float](unsafeUninitializedCapacity: h) { buffer, initialized in
            withWorkspace { ws in
                forward(tokenCount: ids.count, ids: ids, workspace: ws, output: buffer.baseAddress!)
            }
            initialized = h
        }
    }

    private func withWorkspace<R>(_ body: (BertWorkspace) -> R) -> R {
        workspaces.with(body)
    }

    /// `forward` over sequences packed one after another in one workspace.
    private func forwardBatch(_ sequences: [[Int32]], workspace ws: BertWorkspace) -> [[Float]] {
        typealias K = TransformerKernels
        let c = configuration, hidden = c.hiddenSize, w = weights, x = ws.x
        var segments: [(start: Int, count: Int)] = []
        var n = 0
        for ids in sequences {
            segments.append((n, ids.count))
            for (t, id) in ids.enumerated() {
                let row = x + (n + t) * hidden
                let word = w.wordEmbeddings + Int(id) * hidden
                let position = w.positionEmbeddings + t * hidden  // positions restart in each sequence
                for j in 0..<hidden { row[j] = word[j] + position[j] + w.tokenType0[j] }
            }
            n += ids.count
        }
        K.layerNorm(x, rows: n, width: hidden, gamma: w.embeddingNormGamma, beta: w.embeddingNormBeta, eps: c.layerNormEpsilon)
        BertEncoder.runLayers(w.layers, tokenCount: n, segments: segments, configuration: c, workspace: ws)
        return segments.map { start, count in
            [Float](unsafeUninitializedCapacity: hidden) { out, initialized in
                MiniLMEmbedder.meanPoolAndNormalise(x + start * hidden, rows: count, width: hidden, into: out.baseAddress!)
                initialized = hidden
            }
        }
    }

    /// Mean of `rows` token states, L2-normalised, into `output` (`width` floats).
    private static func meanPoolAndNormalise(_ x: UnsafePointer<Float>, rows n: Int, width hidden: Int, into output: UnsafeMutablePointer<Float>) {
        output.initialize(repeating: 0, count: hidden)
        for t in 0..<n {
            let row = x + t * hidden
            for j in 0..<hidden { output[j] += row[j] }
        }
        var norm: Float = 0
        for j in 0..<hidden {
            output[j] /= Float(n)
            norm += output[j] * output[j]
        }
        let inv = 1 / max(norm.squareRoot(), 1e-12)
        for j in 0..<hidden { output[j] *= inv }
    }

    /// BERT encoder + mean pooling + L2 normalisation. With `ids == nil`, runs only the sgemm calls.
    private func forward(
        tokenCount n: Int, ids: UnsafeBufferPointer<Int32>?, workspace ws: BertWorkspace,
        output: UnsafeMutablePointer<Float>?
    ) {
        typealias K = TransformerKernels
        let c = configuration
        let hidden = c.hiddenSize
        let full = ids != nil
        let w = weights
        let x = ws.x

        if let ids {
            // Embeddings: word + position + token type 0, then LayerNorm.
            for t in 0..<n {
                let row = x + t * hidden
                let word = w.wordEmbeddings + Int(ids[t]) * hidden
                let position = w.positionEmbeddings + t * hidden
                for j in 0..<hidden { row[j] = word[j] + position[j] + w.tokenType0[j] }
            }
            K.layerNorm(x, rows: n, width: hidden, gamma: w.embeddingNormGamma, beta: w.embeddingNormBeta, eps: c.layerNormEpsilon)
        }

        BertEncoder.runLayers(w.layers, tokenCount: n, configuration: c, workspace: ws, full: full)

        guard full, let output else { return }
        // Mean pooling over the tokens (all real: one unpadded sequence), then L2 normalisation.
        MiniLMEmbedder.meanPoolAndNormalise(x, rows: n, width: hidden, into: output)
    }
}

// MARK: - Weights and scratch

/// Pointers into the mapped safetensors file, checked for dtype and shape once at load time.
private struct Weights {
    typealias Layer = BertLayerWeights

    let wordEmbeddings, positionEmbeddings, tokenType0: UnsafePointer<Float>
    let embeddingNormGamma, embeddingNormBeta: UnsafePointer<Float>
    let layers: [Layer]

    init(file: SafetensorsFile, configuration c: BertConfiguration) throws {
        let prefix: String
        if file.tensors["embeddings.word_embeddings.weight"] != nil {
            prefix = ""
        } else if file.tensors["bert.embeddings.word_embeddings.weight"] != nil {
            prefix = "bert."
        } else {
            throw EmbedderError.incompatibleWeights(
                "\(file.path) has neither embeddings.word_embeddings.weight nor bert.embeddings.word_embeddings.weight")
        }
        func tensor(_ name: String, _ shape: [Int]) throws -> UnsafePointer<Float> {
            try file.float32(prefix + name, shape: shape).baseAddress!
        }
        let h = c.hiddenSize
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [c.vocabularySize, h])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [c.maxPositions, h])
        let tokenTypes = try file.info(prefix + "embeddings.token_type_embeddings.weight")
        guard tokenTypes.shape.count == 2, tokenTypes.shape[0] >= 1, tokenTypes.shape[1] == h else {
            throw SafetensorsError.wrongShape(
                name: tokenTypes.name, expected: [tokenTypes.shape.first ?? 1, h], actual: tokenTypes.shape)
        }
        tokenType0 = try tensor("embeddings.token_type_embeddings.weight", tokenTypes.shape)
        embeddingNormGamma = try tensor("embeddings.LayerNorm.weight", [h])
        embeddingNormBeta = try tensor("embeddings.LayerNorm.bias", [h])
        layers = try (0..<c.layerCount).map { try Layer(layer: $0, configuration: c, tensor: tensor) }
    }
}
