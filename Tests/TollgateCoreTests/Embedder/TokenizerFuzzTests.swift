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

/// Opt-in: compares the tokenizer with HuggingFace `tokenizers` on many random texts written by
/// `benchmarks/embedder/tokenizer_fuzz.py` (`TOLLGATE_TOKENIZER_FUZZ=/tmp/tokfuzz.json swift test --filter fuzz`).
@Suite("WordPiece tokenizer fuzz vs. HuggingFace")
struct TokenizerFuzzTests {
    static let path = ProcessInfo.processInfo.environment["TOLLGATE_TOKENIZER_FUZZ"]

    struct Cases: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [Int32]
        }
        let cases: [Case]
    }

    @Test("random texts tokenize like HuggingFace", .enabled(if: path != nil))
    func fuzz() throws {
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: URL(fileURLWithPath: Self.path!)))
        let tokenizer = try EmbedderTestSupport.embedder().tokenizer
        var failures = 0
        for c in cases.cases {
            let ids = tokenizer.encode(c.text)
            if ids != c.ids {
                failures += 1
                if failures <= 10 {
                    Issue.record("""
                        \(c.text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " "))
                        got      \(tokenizer.tokens(for: ids))
                        expected \(tokenizer.tokens(for: c.ids))
                        """)
                }
            }
        }
        print("tokenizer fuzz: \(cases.cases.count - failures)/\(cases.cases.count) identical")
        #expect(failures == 0)
    }
}
