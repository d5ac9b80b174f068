import TollgateBase
import TollgateExactCache
import CBLAS
import Foundation

/// Spherical k-means (inner product on unit vectors) with `cblas_sgemm` for the assignment step:
/// the coarse quantiser of the IVF index. Runs on a background thread, never on the request path.
enum KMeans {
    /// `k` unit centroids (k × d, row-major) of the `n` rows at `data`.
    static func train(_ data: UnsafePointer<Float>, n: Int, d: Int, k: Int, iterations: Int, seed: UInt64) -> [Float] {
        precondition(n >= k && k > 0)
        var rng = SplitMixRandom(state: seed)
        // Start from k distinct rows chosen at random (a partial Fisher–Yates over the row numbers).
        var order = Array(0..<n)
        for i in 0..<k { order.swapAt(i, i + Int(rng.next() % UInt64(n - i))) }
        var centroids = [Float](repeating: 0, count: k * d)
        centroids.withUnsafeMutableBufferPointer { c in
            for i in 0..<k { (c.baseAddress! + i * d).update(from: data + order[i] * d, count: d) }
        }
        var assignment = [Int32](repeating: 0, count: n)
        for _ in 0..<iterations {
            assign(data, n: n, d: d, centroids: centroids, k: k, into: &assignment)
            var sums = [Float](repeating: 0, count: k * d)
            var sizes = [Int](repeating: 0, count: k)
            sums.withUnsafeMutableBufferPointer { s in
                for r in 0..<n {
                    let c = Int(assignment[r])
                    sizes[c] += 1
                    let dst = s.baseAddress! + c * d
                    let src = data + r * d
                    for j in 0..<d { dst[j] += src[j] }
                }
            }
            for c in 0..<k {
                if sizes[c] == 0 {  // an empty cluster restarts at a random row
                    let r = Int(rng.next() % UInt64(n))
                    for j in 0..<d { sums[c * d + j] = data[r * d + j] }
                }
                var norm: Float = 0
                for j in 0..<d { norm += sums[c * d + j] * sums[c * d + j] }
                norm = norm.squareRoot()
                if norm > 0 { for j in 0..<d { sums[c * d + j] /= norm } }
            }
            centroids = sums
        }
        return centroids
    }

    /// The nearest centroid of each of the `n` rows, in blocks of 1024 rows (one sgemm each).
    static func assign(_ data: UnsafePointer<Float>, n: Int, d: Int, centroids: [Float], k: Int, into out: inout [Int32]) {
        let block = 1024
        var scores = [Float](repeating: 0, count: block * k)
        centroids.withUnsafeBufferPointer { c in
            scores.withUnsafeMutableBufferPointer { s in
                var start = 0
                while start < n {
                    let rows = min(block, n - start)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(k), Int32(d), 1,
                                data + start * d, Int32(d), c.baseAddress, Int32(d), 0, s.baseAddress, Int32(k))
                    for r in 0..<rows {
                        let row = s.baseAddress! + r * k
                        var best = 0
                        var bestScore = row[0]
                        for j in 1..<k where row[j] > bestScore { bestScore = row[j]; best = j }
                        out[start + r] = Int32(best)
                    }
                    start += rows
                }
            }
        }
    }
}

/// SplitMix64, for the training sample and the initial centroids (deterministic per seed).
struct SplitMixRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
