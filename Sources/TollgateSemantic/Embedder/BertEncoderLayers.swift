import TollgateBase
import TollgateExactCache
import Foundation

/// The encoder layers of a BERT forward pass over one unpadded sequence — or several packed one after
/// another (a batch: the dense products run once over all their tokens, attention within each
/// sequence) — shared by `MiniLMEmbedder` and `PairVerifier`: per layer, self-attention (Q, K, V products, per-head softmax(QKᵀ/√d)·V), output
/// projection + residual + LayerNorm, then GELU feed-forward + residual + LayerNorm. Every matrix product
/// goes through `cblas_sgemm` (`TransformerKernels`).
struct BertLayerWeights {
    let query, queryBias, key, keyBias, value, valueBias: UnsafePointer<Float>
    let attentionOutput, attentionOutputBias, attentionNormGamma, attentionNormBeta: UnsafePointer<Float>
    let intermediate, intermediateBias, output, outputBias, outputNormGamma, outputNormBeta: UnsafePointer<Float>

    /// Layer `index`'s tensors, named as in a HuggingFace `BertModel` (`encoder.layer.N.…`), from `tensor`,
    /// which returns a pointer to `shape.reduce(1, *)` floats that outlives the layer (or throws).
    init(layer index: Int, configuration c: BertConfiguration,
         tensor: (_ name: String, _ shape: [Int]) throws -> UnsafePointer<Float>) throws {
        let p = "encoder.layer.\(index).", h = c.hiddenSize, i = c.intermediateSize
        query = try tensor(p + "attention.self.query.weight", [h, h])
        queryBias = try tensor(p + "attention.self.query.bias", [h])
        key = try tensor(p + "attention.self.key.weight", [h, h])
        keyBias = try tensor(p + "attention.self.key.bias", [h])
        value = try tensor(p + "attention.self.value.weight", [h, h])
        valueBias = try tensor(p + "attention.self.value.bias", [h])
        attentionOutput = try tensor(p + "attention.output.dense.weight", [h, h])
        attentionOutputBias = try tensor(p + "attention.output.dense.bias", [h])
        attentionNormGamma = try tensor(p + "attention.output.LayerNorm.weight", [h])
        attentionNormBeta = try tensor(p + "attention.output.LayerNorm.bias", [h])
        intermediate = try tensor(p + "intermediate.dense.weight", [i, h])
        intermediateBias = try tensor(p + "intermediate.dense.bias", [i])
        output = try tensor(p + "output.dense.weight", [h, i])
        outputBias = try tensor(p + "output.dense.bias", [h])
        outputNormGamma = try tensor(p + "output.LayerNorm.weight", [h])
        outputNormBeta = try tensor(p + "output.LayerNorm.bias", [h])
    }
}

/// Scratch buffers for one forward pass of up to `maxTokens` tokens in all, each sequence at most
/// `maxSequence` long (allocated once, reused).
final class BertWorkspace {
    let x, q, k, v, ctx, scores, intermediate: UnsafeMutablePointer<Float>
    let maxTokens: Int
    let maxSequence: Int
    private let all: [UnsafeMutablePointer<Float>]

    init(configuration c: BertConfiguration, maxTokens t: Int, maxSequence: Int? = nil) {
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        let h = c.hiddenSize
        let s = min(maxSequence ?? t, t)
        maxTokens = t
        self.maxSequence = s
        x = buffer(t * h)
        q = buffer(t * h)
        k = buffer(t * h)
        v = buffer(t * h)
        ctx = buffer(t * h)
        scores = buffer(s * s)
        intermediate = buffer(t * c.intermediateSize)
        all = [x, q, k, v, ctx, scores, intermediate]
    }

    deinit {
        for p in all { p.deallocate() }
    }
}

enum BertEncoder {
    /// Runs `layers` over the `n` token states in `ws.x` (row-major `[n × hidden]`, already embedded and
    /// normalised), in place. With `full == false`, runs only the sgemm calls (benchmark floor).
    /// - Parameter segments: the packed sequences as (first row, rows), in order and covering `0..<n`;
    ///   nil is one sequence of `n` rows.
    static func runLayers(
        _ layers: [BertLayerWeights], tokenCount n: Int, segments: [(start: Int, count: Int)]? = nil, configuration c: BertConfiguration,
        workspace ws: BertWorkspace, full: Bool = true
    ) {
        typealias K = TransformerKernels
        precondition(n >= 1 && n <= ws.maxTokens, "token count outside the workspace")
        let segments = segments ?? [(0, n)]
        precondition(segments.allSatisfy { $0.count >= 1 && $0.count <= ws.maxSequence }, "a sequence longer than the workspace")
        let hidden = c.hiddenSize, inter = c.intermediateSize
        let heads = c.headCount, headSize = hidden / heads
        let eps = c.layerNormEpsilon
        let scale = 1 / Float(headSize).squareRoot()
        let x = ws.x, q = ws.q, k = ws.k, v = ws.v, ctx = ws.ctx, scores = ws.scores, mid = ws.intermediate

        for layer in layers {
            // Q, K, V = x Wᵀ + b (bias pre-filled, accumulated with beta = 1).
            if full {
                K.fillRows(q, rows: n, width: hidden, with: layer.queryBias)
                K.fillRows(k, rows: n, width: hidden, with: layer.keyBias)
                K.fillRows(v, rows: n, width: hidden, with: layer.valueBias)
            }
            K.gemmABt(m: n, n: hidden, k: hidden, a: x, lda: hidden, b: layer.query, ldb: hidden, beta: 1, c: q, ldc: hidden)
            K.gemmABt(m: n, n: hidden, k: hidden, a: x, lda: hidden, b: layer.key, ldb: hidden, beta: 1, c: k, ldc: hidden)
            K.gemmABt(m: n, n: hidden, k: hidden, a: x, lda: hidden, b: layer.value, ldb: hidden, beta: 1, c: v, ldc: hidden)

            // Per sequence and head: scores = Q_h K_hᵀ / sqrt(d); softmax; ctx_h = scores V_h.
            for (start, len) in segments {
                let rows = start * hidden
                for head in 0..<heads {
                    let off = rows + head * headSize
                    K.gemmABt(m: len, n: len, k: headSize, alpha: scale, a: q + off, lda: hidden, b: k + off, ldb: hidden,
                              beta: 0, c: scores, ldc: len)
                    if full { K.softmaxRows(scores, rows: len, width: len, stride: len) }
                    K.gemmAB(m: len, n: headSize, k: len, a: scores, lda: len, b: v + off, ldb: hidden,
                             beta: 0, c: ctx + off, ldc: hidden)
                }
            }

            // x = LayerNorm(x + ctx Woᵀ + bo): bias added into the residual, product accumulated onto it.
            if full { K.addToRows(x, rows: n, width: hidden, layer.attentionOutputBias) }
            K.gemmABt(m: n, n: hidden, k: hidden, a: ctx, lda: hidden, b: layer.attentionOutput, ldb: hidden,
                      beta: 1, c: x, ldc: hidden)
            if full {
                K.layerNorm(x, rows: n, width: hidden, gamma: layer.attentionNormGamma, beta: layer.attentionNormBeta, eps: eps)
                K.fillRows(mid, rows: n, width: inter, with: layer.intermediateBias)
            }

            // FFN: mid = gelu(x Wiᵀ + bi); x = LayerNorm(x + mid Woutᵀ + bout).
            K.gemmABt(m: n, n: inter, k: hidden, a: x, lda: hidden, b: layer.intermediate, ldb: hidden,
                      beta: 1, c: mid, ldc: inter)
            if full {
                K.gelu(mid, count: n * inter)
                K.addToRows(x, rows: n, width: hidden, layer.outputBias)
            }
            K.gemmABt(m: n, n: hidden, k: inter, a: mid, lda: inter, b: layer.output, ldb: inter,
                      beta: 1, c: x, ldc: hidden)
            if full {
                K.layerNorm(x, rows: n, width: hidden, gamma: layer.outputNormGamma, beta: layer.outputNormBeta, eps: eps)
            }
        }
    }
}

/// A lock-protected pool of workspaces: each forward pass borrows one, so concurrent calls run in
/// parallel, each with its own buffers, and a steady state allocates nothing.
final class BertWorkspacePool: @unchecked Sendable {
    private let configuration: BertConfiguration
    private let maxTokens: Int
    private let maxSequence: Int?
    private let lock = NSLock()
    private var pool: [BertWorkspace] = []

    init(configuration: BertConfiguration, maxTokens: Int, maxSequence: Int? = nil) {
        self.configuration = configuration
        self.maxTokens = maxTokens
        self.maxSequence = maxSequence
    }

    func with<R>(_ body: (BertWorkspace) -> R) -> R {
        lock.lock()
        let pooled = pool.popLast()
        lock.unlock()
        let ws = pooled ?? BertWorkspace(configuration: configuration, maxTokens: maxTokens, maxSequence: maxSequence)
        defer {
            lock.lock()
            pool.append(ws)
            lock.unlock()
        }
        return body(ws)
    }
}
