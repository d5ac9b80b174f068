import Foundation
import TollgateBase
import TollgateExactCache
import TollgateHTTPClient

/// An error loading a WordPiece vocabulary.
public enum WordPieceTokenizerError: Error, Equatable, CustomStringConvertible {
    /// The vocabulary file could not be read or is not UTF-8.
    case unreadableVocabulary(path: String, reason: String)
    /// A token that the tokenizer needs (`[CLS]`, `[SEP]` or `[UNK]`) is not in the vocabulary.
    case missingSpecialToken(String)
    /// The vocabulary is empty, or lists one token twice.
    case invalidVocabulary(String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case let .unreadableVocabulary(path, reason): return "wordpiece: cannot read vocabulary \(path): \(reason)"
        case let .missingSpecialToken(token): return "wordpiece: vocabulary has no \(token) token"
        case let .invalidVocabulary(reason): return "wordpiece: invalid vocabulary: \(reason)"
        }
    }
}

/// The uncased BERT tokenizer (basic tokenizer + WordPiece), matching HuggingFace `tokenizers` with
/// `BertNormalizer(clean_text, handle_chinese_chars, lowercase, strip_accents = lowercase)`,
/// `BertPreTokenizer`, `WordPiece(unk "[UNK]", "##", max 100 chars)`, special tokens `[CLS] … [SEP]`,
/// and truncation of the end of the text.
///
/// Steps, in the reference's order:
/// 1. Special tokens: `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]` written literally in the raw text
///    (case-sensitive) become their ids, like HuggingFace's added-token matching.
/// 2. Cleaning: U+0000, U+FFFD and control characters (Cc, Cf, Co; not tab, LF, CR) are dropped;
///    every whitespace character becomes a word break.
/// 3. CJK ideographs (the BERT ranges) become words of their own.
/// 4. Per word: NFD, drop non-spacing marks (Mn) — this strips accents —, then lower-case each scalar
///    (full, context-free mapping, as Rust's `char::to_lowercase`).
/// 5. Punctuation (ASCII 33–47, 58–64, 91–96, 123–126, or a Unicode P* category) is split off as a word.
/// 6. WordPiece: greedy longest-match-first with `##` continuations; a word longer than 100 scalars,
///    or one with a piece not in the vocabulary, becomes a single `[UNK]`.
///
/// Like the reference (whose `unicode_categories` tables are Unicode 8.0), the categories used for
/// steps 2, 4 and 5 only count characters assigned by Unicode 8.0; a newer mark or punctuation sign is
/// kept as part of its word.
///
/// The tokenizer stops reading the text once it has enough tokens, so cost does not grow with the length
/// of a long prompt.
public struct WordPieceTokenizer: Sendable {
    /// Maximum number of tokens (including `[CLS]` and `[SEP]`) that all-MiniLM-L6-v2 is used with.
    public static let defaultMaxLength = 256
    /// Words longer than this many Unicode scalars become `[UNK]`.
    public static let maxInputCharsPerWord = 100

    /// The vocabulary: `vocabulary[id]` is the token string.
    public let vocabulary: [String]
    /// Id of `[CLS]`, the first token of every sequence.
    public let clsID: Int32
    /// Id of `[SEP]`, the last token of every sequence.
    public let sepID: Int32
    /// Id of `[UNK]`.
    public let unkID: Int32

    private let ids: [String: Int32]
    /// Special tokens matched literally in the raw text, as scalars, with their ids.
    private let specials: [([Unicode.Scalar], Int32)]
    /// Longest token in the vocabulary, in scalars: a longer candidate piece cannot match.
    private let maxTokenScalars: Int

    /// Reads a `vocab.txt` (one token per line; the line number, from 0, is the id).
    /// - Throws: `WordPieceTokenizerError` if the file is unreadable or lacks `[CLS]`, `[SEP]` or `[UNK]`.
    public init(vocabularyFile url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw WordPieceTokenizerError.unreadableVocabulary(path: url.path, reason: "\(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WordPieceTokenizerError.unreadableVocabulary(path: url.path, reason: "not UTF-8")
        }
        // Split on "\n" only (like Python's rstrip("\n") per line); a final newline ends the last token.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        try self.init(vocabulary: lines)
    }

    /// Builds a tokenizer from the token list (`vocabulary[id]` is the token).
    /// - Throws: `WordPieceTokenizerError` if it is empty, has duplicates or lacks `[CLS]`, `[SEP]` or `[UNK]`.
    public init(vocabulary: [String]) throws {
        guard !vocabulary.isEmpty, vocabulary.count <= Int(Int32.max) else {
            throw WordPieceTokenizerError.invalidVocabulary("\(vocabulary.count) tokens")
        }
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(vocabulary.count)
        var longest = 0
        for (i, token) in vocabulary.enumerated() {
            guard ids.updateValue(Int32(i), forKey: token) == nil else {
                throw WordPieceTokenizerError.invalidVocabulary("token '\(token)' listed twice")
            }
            longest = max(longest, token.unicodeScalars.count)
        }
        func required(_ token: String) throws -> Int32 {
            guard let id = ids[token] else { throw WordPieceTokenizerError.missingSpecialToken(token) }
            return id
        }
        self.vocabulary = vocabulary
        self.ids = ids
        self.clsID = try required("[CLS]")
        self.sepID = try required("[SEP]")
        self.unkID = try required("[UNK]")
        self.maxTokenScalars = longest
        self.specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { token in
            ids[token].map { (Array(token.unicodeScalars), $0) }
        }
    }

    /// The id of `token`, if it is in the vocabulary.
    public func id(for token: String) -> Int32? { ids[token] }

    /// The token strings for `ids` (an id outside the vocabulary gives `"<invalid>"`).
    public func tokens(for ids: [Int32]) -> [String] {
        ids.map { $0 >= 0 && Int($0) < vocabulary.count ? vocabulary[Int($0)] : "<invalid>" }
    }

    /// Token ids for `text`: `[CLS]`, the WordPiece ids of the text (the first `maxLength - 2` of them),
    /// `[SEP]`. Always returns at least `[CLS] [SEP]`.
    /// - Parameter maxLength: the most ids returned, `[CLS]` and `[SEP]` included (at least 2).
    public func encode(_ text: String, maxLength: Int = WordPieceTokenizer.defaultMaxLength) -> [Int32] {
        precondition(maxLength >= 2, "maxLength must leave room for [CLS] and [SEP]")
        let limit = maxLength - 2
        var out: [Int32] = [clsID]
        out.reserveCapacity(min(maxLength, 64))
        var state = EncodeState(limit: limit + 1)
        let scalars = text.unicodeScalars
        var i = scalars.startIndex
        var word: [Unicode.Scalar] = []
        // Bounded work for any text (a 4 MB prompt reads 16 K scalars at the default length).
        var budget = WordPieceTokenizer.scalarBudget(maxLength: maxLength)

        while i < scalars.endIndex, !state.full(out), budget > 0 {
            budget -= 1
            let c = scalars[i]
            if c == "[", let (length, id) = matchSpecial(scalars, at: i) {
                processWord(&word, into: &out, state: &state)
                if !state.full(out) { out.append(id) }
                i = scalars.index(i, offsetBy: length)
                continue
            }
            i = scalars.index(after: i)
            switch BertCharacterClass.of(c) {
            case .removed:
                continue
            case .whitespace:
                processWord(&word, into: &out, state: &state)
            case .cjk:
                processWord(&word, into: &out, state: &state)
                word.append(c)
                processWord(&word, into: &out, state: &state)
            case .other:
                word.append(c)
            }
        }
        processWord(&word, into: &out, state: &state)
        if out.count > limit + 1 { out.removeLast(out.count - (limit + 1)) }
        out.append(sepID)
        return out
    }

    /// The most scalars `encode` reads for `maxLength` ids: 64 a token, then the text is cut.
    /// Real text needs 3-6 a token, so only a pathological text (long runs of spaces or control
    /// characters) loses tokens it would have had.
    static func scalarBudget(maxLength: Int) -> Int {
        maxLength > Int.max / 128 ? Int.max : maxLength * 64
    }

    /// The WordPiece tokens of `text` as strings, without `[CLS]`/`[SEP]` and without truncation (for debugging).
    public func tokenize(_ text: String) -> [String] {
        let ids = encode(text, maxLength: Int.max / 2)
        return tokens(for: Array(ids.dropFirst().dropLast()))
    }

    // MARK: - Internals

    private struct EncodeState {
        /// Stop once the output (with [CLS]) holds this many ids.
        let limit: Int
        @inline(__always) func full(_ out: [Int32]) -> Bool { out.count >= limit }
    }

    private func matchSpecial(
        _ scalars: String.UnicodeScalarView, at start: String.UnicodeScalarView.Index
    ) -> (Int, Int32)? {
        for (pattern, id) in specials {
            var j = start
            var matched = true
            for p in pattern {
                guard j < scalars.endIndex, scalars[j] == p else { matched = false; break }
                j = scalars.index(after: j)
            }
            if matched { return (pattern.count, id) }
        }
        return nil
    }

    /// Normalises one whitespace-delimited word (NFD, strip Mn, lower-case), splits off punctuation and
    /// appends the WordPiece ids of each piece. Empties `word`.
    private func processWord(_ word: inout [Unicode.Scalar], into out: inout [Int32], state: inout EncodeState) {
        guard !word.isEmpty else { return }
        defer { word.removeAll(keepingCapacity: true) }
        guard !state.full(out) else { return }

        var normalized: [Unicode.Scalar] = []
        normalized.reserveCapacity(word.count)
        if word.allSatisfy({ $0.value < 0x80 }) {
            for c in word { normalized.append(BertCharacterClass.asciiLowercased(c)) }
        } else {
            let nfd = String(String.UnicodeScalarView(word)).decomposedStringWithCanonicalMapping
            for c in nfd.unicodeScalars where !BertCharacterClass.isNonspacingMark(c) {
                if c.value < 0x80 {
                    normalized.append(BertCharacterClass.asciiLowercased(c))
                } else {
                    normalized.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
                }
            }
        }

        var start = 0
        for j in normalized.indices where BertCharacterClass.isPunctuation(normalized[j]) {
            wordPiece(normalized[start..<j], into: &out)
            wordPiece(normalized[j...j], into: &out)
            start = j + 1
            if state.full(out) { return }
        }
        wordPiece(normalized[start...], into: &out)
    }

    /// Greedy longest-match-first WordPiece of one pre-token.
    private func wordPiece(_ chars: ArraySlice<Unicode.Scalar>, into out: inout [Int32]) {
        guard !chars.isEmpty else { return }
        guard chars.count <= Self.maxInputCharsPerWord else { out.append(unkID); return }
        let first = out.count
        var start = chars.startIndex
        var candidate = ""
        while start < chars.endIndex {
            var end = min(chars.endIndex, start + maxTokenScalars)
            var found: Int32?
            while end > start {
                candidate = start == chars.startIndex ? "" : "##"
                candidate.unicodeScalars.append(contentsOf: chars[start..<end])
                if let id = ids[candidate] { found = id; break }
                end -= 1
            }
            guard let id = found else {
                out.removeLast(out.count - first)
                out.append(unkID)
                return
            }
            out.append(id)
            start = end
        }
    }
}

/// Character classes of the BERT basic tokenizer, as HuggingFace `tokenizers` computes them.
enum BertCharacterClass {
    case removed, whitespace, cjk, other

    /// `unicode_categories` (used by `tokenizers` for Cc/Cf/Co, Mn and P*) has Unicode 8.0 tables.
    static let categoryTableVersion = (major: 8, minor: 0)

    @inline(__always)
    static func of(_ c: Unicode.Scalar) -> BertCharacterClass {
        let v = c.value
        if v < 0x80 {
            if v == 0x09 || v == 0x0A || v == 0x0D || v == 0x20 { return .whitespace }
            if v < 0x20 || v == 0x7F { return .removed }
            return .other
        }
        if v == 0xFFFD || isControl(c) { return .removed }
        if c.properties.isWhitespace { return .whitespace }
        if isCJK(v) { return .cjk }
        return .other
    }

    @inline(__always)
    static func asciiLowercased(_ c: Unicode.Scalar) -> Unicode.Scalar {
        (c.value >= 0x41 && c.value <= 0x5A) ? Unicode.Scalar(UInt8(c.value + 0x20)) : c
    }

    static func inCategoryTables(_ c: Unicode.Scalar) -> Bool {
        guard let age = c.properties.age else { return false }
        return (age.major, age.minor) <= categoryTableVersion
    }

    /// Cc, Cf or Co (not Cn, not Cs) per the reference's tables; tab, LF and CR excepted by the caller.
    static func isControl(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .control, .format, .privateUse: return inCategoryTables(c)
        default: return false
        }
    }

    static func isNonspacingMark(_ c: Unicode.Scalar) -> Bool {
        c.properties.generalCategory == .nonspacingMark && inCategoryTables(c)
    }

    /// ASCII punctuation (33–47, 58–64, 91–96, 123–126) or a Unicode punctuation category (P*).
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 {
            return (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v)
        }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return inCategoryTables(c)
        default:
            return false
        }
    }

    /// The CJK ideograph ranges of the original BERT tokenizer.
    static func isCJK(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B920...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}
