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

/// Tokenizer behaviour on a tiny vocabulary (no model files needed).
@Suite("WordPiece tokenizer")
struct WordPieceTokenizerTests {
    static let vocabulary = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        "hello", "world", ",", "!", "un", "##aff", "##able", "cafe", "中", "文", "a", "##b", "[", "]", "cl", "##s",
    ]
    let tok: WordPieceTokenizer

    init() throws { tok = try WordPieceTokenizer(vocabulary: Self.vocabulary) }

    func pieces(_ text: String) -> [String] { tok.tokenize(text) }

    @Test func basicWordsAndPunctuation() {
        #expect(pieces("Hello, WORLD!") == ["hello", ",", "world", "!"])
        #expect(tok.encode("hello") == [2, 5, 3])
        #expect(tok.encode("") == [2, 3])
        #expect(tok.encode(" \t\n ") == [2, 3])
    }

    @Test func greedyLongestMatchFirst() {
        #expect(pieces("unaffable") == ["un", "##aff", "##able"])
        #expect(pieces("unaffablex") == ["[UNK]"], "a word with an unknown piece is one [UNK]")
        #expect(pieces("ab") == ["a", "##b"])
    }

    @Test func accentsAndCase() {
        #expect(pieces("Café CAFÉ cafe\u{301}") == ["cafe", "cafe", "cafe"])
    }

    @Test func cjkCharactersAreWords() {
        #expect(pieces("中文hello") == ["中", "文", "hello"])
    }

    @Test func controlCharactersAreDropped() {
        #expect(pieces("hel\u{0}lo\u{200B} wor\u{FEFF}ld\u{7}") == ["hello", "world"])
    }

    @Test func longWordsBecomeUnknown() {
        #expect(pieces(String(repeating: "a", count: 101)) == ["[UNK]"])
        #expect(pieces("a" + String(repeating: "b", count: 99)).count == 100)
    }

    @Test func literalSpecialTokens() {
        #expect(pieces("hello[SEP]world") == ["hello", "[SEP]", "world"])
        #expect(pieces("[cls]") == ["[", "cl", "##s", "]"], "matching is case-sensitive, before lower-casing")
    }

    @Test func truncation() {
        let text = String(repeating: "hello ", count: 1000)
        let ids = tok.encode(text, maxLength: 8)
        #expect(ids == [2, 5, 5, 5, 5, 5, 5, 3])
        #expect(tok.encode(text).count == 256)
        #expect(tok.encode("hello world", maxLength: 2) == [2, 3])
    }

    @Test func vocabularyErrors() {
        #expect(throws: WordPieceTokenizerError.missingSpecialToken("[CLS]")) {
            try WordPieceTokenizer(vocabulary: ["[UNK]", "[SEP]"])
        }
        #expect(throws: WordPieceTokenizerError.self) {
            try WordPieceTokenizer(vocabulary: ["[CLS]", "[SEP]", "[UNK]", "a", "a"])
        }
        #expect(throws: WordPieceTokenizerError.self) {
            try WordPieceTokenizer(vocabularyFile: URL(fileURLWithPath: "/nonexistent/vocab.txt"))
        }
    }

    @Test func unicode8CategoryTables() {
        // U+2E42 (Unicode 7.0, Ps) splits; U+2E43 (9.0, Po) does not, as in HuggingFace tokenizers.
        #expect(BertCharacterClass.isPunctuation("\u{2E42}"))
        #expect(!BertCharacterClass.isPunctuation("\u{2E43}"))
        #expect(BertCharacterClass.isNonspacingMark("\u{08E3}"))   // 8.0
        #expect(!BertCharacterClass.isNonspacingMark("\u{0D3B}"))  // 10.0
        #expect(BertCharacterClass.isControl("\u{061C}"))          // Cf, 6.3
        #expect(!BertCharacterClass.isControl("\u{08E2}"))         // Cf, 9.0
        #expect(!BertCharacterClass.isControl("\u{0378}"))         // unassigned (Cn) is kept
    }
}
