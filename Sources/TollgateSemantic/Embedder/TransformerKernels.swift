import CBLAS
import TollgateBase
import TollgateExactCache
import TollgateHTTPClient

/// Element-wise and row-wise kernels of the BERT forward pass, on raw row-major `Float` buffers.
///
/// Reductions use `SIMD8<Float>` accumulators (plain loops would not vectorise: Swift keeps strict IEEE
/// ordering); element-wise loops are plain, branch-free scalar code, which LLVM vectorises in release builds
/// (checked in the assembly: mulps/divps/minps) and which stays fast in debug builds, unlike long SIMD8
/// expressions.
enum TransformerKernels {
    /// `C[m×n] = alpha · A[m×k] · Bᵀ + beta · C`, where `B` is `[n×k]` row-major: PyTorch's `[out, in]`
    /// weight layout. All matrices row-major with the given leading dimensions.
    @inline(__always)
    static func gemmABt(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `C[m×n] = alpha · A[m×k] · B[k×n] + beta · C`, all row-major.
    @inline(__always)
    static func gemmAB(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets each of the `rows` rows (`width` floats) of `x` to `bias`.
    static func fillRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, with bias: UnsafePointer<Float>) {
        for r in 0..<rows { (x + r * width).update(from: bias, count: width) }
    }

    /// Adds `bias` to each of the `rows` rows (`width` floats) of `x`.
    static func addToRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, _ bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width
            for j in 0..<width { row[j] += bias[j] }
        }
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Sum of `count` floats.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= count { acc += load8(p + i); i += 8 }
        var s = acc.sum()
        while i < count { s += p[i]; i += 1 }
        return s
    }

    /// Row-wise LayerNorm in place: `x = (x − mean) / sqrt(var + eps) · gamma + beta` (biased variance).
    static func layerNorm(
        _ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float
    ) {
        let invWidth = 1 / Float(width)
        for r in 0..<rows {
            let row = x + r * width
            let mean = sum(row, width) * invWidth
            let mean8 = SIMD8<Float>(repeating: mean)
            var acc = SIMD8<Float>(repeating: 0)
            var i = 0
            while i + 8 <= width { let d = load8(row + i) - mean8; acc += d * d; i += 8 }
            var sq = acc.sum()
            while i < width { let d = row[i] - mean; sq += d * d; i += 1 }
            let inv = 1 / (sq * invWidth + eps).squareRoot()
            for j in 0..<width { row[j] = (row[j] - mean) * inv * gamma[j] + beta[j] }
        }
    }

    /// Row-wise softmax in place over `rows` rows of `width` floats, stride `stride`.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int) {
        for r in 0..<rows {
            let row = x + r * stride
            var m8 = SIMD8<Float>(repeating: -.infinity)
            var j = 0
            while j + 8 <= width { m8 = pointwiseMax(m8, load8(row + j)); j += 8 }
            var m = m8.max()
            while j < width { m = max(m, row[j]); j += 1 }
            for j in 0..<width { row[j] = fastExp(row[j] - m) }
            let inv = 1 / sum(row, width)
            for j in 0..<width { row[j] *= inv }
        }
    }

    /// Exact GELU, `0.5 · x · (1 + erf(x / √2))`, in place.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let invSqrt2: Float = 0.70710678118654752440
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + fastErf(v * invSqrt2))
        }
    }

    /// `exp(x)` for float, Cephes-style range reduction and degree-6 polynomial; relative error ≲ 2 ulp,
    /// input clamped to `[-87.3, 88.3]` (so never inf; results below ~1e-38 come out as tiny normals).
    /// Branch-free and trap-free (also for NaN) so that loops over it vectorise.
    @inline(__always)
    static func fastExp(_ x: Float) -> Float {
        let xc = min(max(x, -87.3), 88.3)
        // n = round(x / ln 2) via the 1.5·2^23 trick (round-to-nearest-even, no libm call); the integer
        // is read from the low mantissa bits, so there is no Float→Int conversion that could trap.
        let shifter: Float = 12_582_912
        let t = xc * 1.44269504088896341 + shifter
        let n = t - shifter
        let ni = Int32(bitPattern: t.bitPattern) &- Int32(bitPattern: shifter.bitPattern)
        let r = (xc - n * 0.693359375) - n * -2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * r * r + r + 1
        let scale = Float(bitPattern: UInt32(bitPattern: (ni &+ 127) &<< 23))
        return y * scale
    }

    /// `erf(x)` for float: odd rational approximation on `[-4, 4]` (the one Eigen and XLA use);
    /// absolute error ≲ 4e-7, saturating to ±1 beyond. Branch-free so that loops over it vectorise.
    @inline(__always)
    static func fastErf(_ x: Float) -> Float {
        let xc = min(max(x, -4), 4)
        let x2 = xc * xc
        var p: Float = -2.72614225801306e-10
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 + -2.10102402082508e-06
        p = p * x2 + -5.69250639462346e-05
        p = p * x2 + -7.34990630326855e-04
        p = p * x2 + -2.95459980854025e-03
        p = p * x2 + -1.60960333262415e-02
        p *= xc
        var q: Float = -1.45660718464996e-05
        q = q * x2 + -2.13374055278905e-04
        q = q * x2 + -1.68282697438203e-03
        q = q * x2 + -7.37332916720468e-03
        q = q * x2 + -1.42647390514189e-02
        return p / q
    }
}
