import Foundation
import Testing

import TollgateCore
@testable import TollgateBase
@testable import TollgateHTTPClient
@testable import TollgateExactCache
@testable import TollgateSemantic
@testable import TollgateProviders
@testable import TollgateRouting
@testable import TollgateShared
@testable import TollgateFixtures
@testable import TollgateDialects
@testable import TollgatePipeline
@testable import TollgateServer
@testable import TollgateMock
@testable import TollgateBench

/// The fast element-wise functions against libm.
@Suite("Transformer kernels")
struct TransformerKernelTests {
    @Test func fastErfMatchesLibm() {
        var worst: Double = 0
        var x: Float = -6
        while x <= 6 {
            worst = max(worst, abs(Double(TransformerKernels.fastErf(x)) - erf(Double(x))))
            x += 0.001
        }
        #expect(worst < 5e-7, "max |fastErf − erf| = \(worst)")
    }

    @Test func fastExpMatchesLibm() {
        var worst: Double = 0
        var x: Float = -87
        while x <= 0 {
            let exact = exp(Double(x))
            worst = max(worst, abs(Double(TransformerKernels.fastExp(x)) - exact) / exact)
            x += 0.0007
        }
        #expect(worst < 5e-7, "max relative error \(worst)")
        #expect(TransformerKernels.fastExp(-1000) >= 0 && TransformerKernels.fastExp(-1000) < 1e-37)
        #expect(TransformerKernels.fastExp(1000).isFinite)
        #expect(TransformerKernels.fastExp(.nan).isNaN)
    }

    @Test func layerNormAndSoftmax() {
        var row: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        let gamma = [Float](repeating: 2, count: 10), beta = [Float](repeating: 1, count: 10)
        row.withUnsafeMutableBufferPointer { p in
            TransformerKernels.layerNorm(p.baseAddress!, rows: 1, width: 10, gamma: gamma, beta: beta, eps: 1e-12)
        }
        let mean = row.reduce(0, +) / 10
        #expect(abs(mean - 1) < 1e-5)
        var s: [Float] = [0, 1, 2, 3, 100, 100]
        s.withUnsafeMutableBufferPointer { p in
            TransformerKernels.softmaxRows(p.baseAddress!, rows: 2, width: 3, stride: 3)
        }
        let e = [1, exp(1.0), exp(2.0)].map { $0 / (1 + exp(1.0) + exp(2.0)) }
        for j in 0..<3 { #expect(abs(Double(s[j]) - e[j]) < 1e-6) }
        #expect(abs(s[3] + s[4] + s[5] - 1) < 1e-6)
    }
}
