import Foundation

/// Whether the English embedder and guard can read a prompt. all-MiniLM-L6-v2 was trained on
/// English: on another language or script its cosines say little about meaning, and the guard's
/// word rules do not apply, so such prompts — and prompts that are mostly code — are served from
/// the exact layer only. Three measures, calibrated by `benchmarks/readability/calibrate.py` on the
/// tuning halves (QQP even rows, PAWS dev, GPTCache) and our own samples:
/// - **other script**: more than 20 % of the letters are outside the Latin script (CJK, Cyrillic,
///   Arabic, Devanagari, Greek …);
/// - **other language**: of 3 or more Latin words (3+ letters, after BERT's lower-casing and accent
///   stripping) at least 30 % are not whole words of the embedder's own WordPiece vocabulary, and
///   fewer than 20 % of all words are English function words (the, is, how, of …) — an English
///   prompt full of rare names still has its function words;
/// - **mostly code**: at least half of the characters are on code lines (inside ``` fences, or
///   lines where at least 12 % of the non-space characters are code symbols such as `{}()=;<>`).
/// On the tuning halves 0.45 % (QQP), 0.90 % (PAWS) and 0.90 % (GPTCache) of English prompts are
/// flagged (then served from the exact layer only); benchmarks/RESULTS.md has the figures.
public struct PromptReadability: Sendable {
    /// Why a prompt is not read by the semantic layer (the label of `tollgate_semantic_skipped_total`).
    public enum Unreadable: String, Sendable, CaseIterable {
        case otherScript = "other_script"
        case otherLanguage = "other_language"
        case mostlyCode = "mostly_code"
    }

    /// Whole-word tokens of the embedder's vocabulary; nil (the hashing embedder): no language check.
    let vocabulary: Set<String>?

    static let otherScriptShare = 0.2
    static let foreignWordShare = 0.3
    static let functionWordShare = 0.2
    static let minimumWords = 3
    static let codeShare = 0.5
    static let codeSymbolShare = 0.12
    /// Only this many leading characters are read: enough to decide, and bounded work per request.
    static let readLimit = 8_192

    /// A gate over `vocabulary` (WordPiece tokens; `##` pieces and `[…]` specials are ignored).
    public init(vocabulary: [String]?) {
        self.vocabulary = vocabulary.map { Set($0.filter { !$0.hasPrefix("##") && !$0.hasPrefix("[") }) }
    }

    /// Why the embedder cannot read `text`, or nil when it can.
    public func unreadable(_ text: String) -> Unreadable? {
        let scalars = Array(text.unicodeScalars.prefix(Self.readLimit))
        var letters = 0, otherScript = 0
        for s in scalars where Self.isLetter(s) {
            letters += 1
            if !Self.isLatin(s) { otherScript += 1 }
        }
        if letters > 0, Double(otherScript) / Double(letters) > Self.otherScriptShare { return .otherScript }
        if let vocabulary, isOtherLanguage(scalars, vocabulary) { return .otherLanguage }
        if Self.codeCharacterShare(scalars) >= Self.codeShare { return .mostlyCode }
        return nil
    }

    private func isOtherLanguage(_ scalars: [Unicode.Scalar], _ vocabulary: Set<String>) -> Bool {
        let words = Self.words(scalars)
        let latinWords = words.filter { $0.unicodeScalars.count >= 3 && $0.unicodeScalars.allSatisfy(Self.isLatin) }
        guard latinWords.count >= Self.minimumWords else { return false }
        let foreign = latinWords.filter { !vocabulary.contains($0) }.count
        guard Double(foreign) / Double(latinWords.count) >= Self.foreignWordShare else { return false }
        let function = words.filter { Self.functionWords.contains($0) }.count
        return Double(function) / Double(words.count) < Self.functionWordShare
    }

    /// Runs of letters, lower-cased with accents stripped (as BERT's uncased tokenizer reads them).
    static func words(_ scalars: [Unicode.Scalar]) -> [String] {
        let folded = String(String.UnicodeScalarView(scalars)).lowercased().decomposedStringWithCanonicalMapping
        var words: [String] = [], current = String.UnicodeScalarView()
        for s in folded.unicodeScalars {
            if s.properties.generalCategory == .nonspacingMark { continue }
            if isLetter(s) { current.append(s); continue }
            if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// The share of characters on code lines: fenced blocks, and lines dense in code symbols.
    static func codeCharacterShare(_ scalars: [Unicode.Scalar]) -> Double {
        var total = 0, code = 0, fenced = false
        var line: [Unicode.Scalar] = []
        func endLine() {
            let trimmed = line.drop { $0.properties.isWhitespace }
            if trimmed.starts(with: "```".unicodeScalars) {
                fenced.toggle()
                code += line.count
            } else if fenced || isCodeLine(line) {
                code += line.count
            }
            line.removeAll(keepingCapacity: true)
        }
        for s in scalars {
            if s == "\n" { endLine() } else { line.append(s) }
        }
        endLine()
        total = String(String.UnicodeScalarView(scalars)).trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.count
        guard total > 0 else { return 0 }
        return min(1, Double(code) / Double(total))
    }

    static func isCodeLine(_ line: [Unicode.Scalar]) -> Bool {
        let visible = line.filter { !$0.properties.isWhitespace }
        guard !visible.isEmpty else { return false }
        let symbols = visible.filter { codeSymbols.contains($0) }.count
        return Double(symbols) / Double(visible.count) >= codeSymbolShare
    }

    static let codeSymbols = Set("{}[]()<>=;+*/%&|^~#$@\\_".unicodeScalars)

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// Basic Latin through Latin Extended-B, and Latin Extended Additional (Vietnamese).
    static func isLatin(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x250 || (0x1E00...0x1EFF).contains(s.value)
    }

    /// The most frequent English function words: an English prompt of 3+ words nearly always has some.
    static let functionWords: Set<String> = Set("""
        a an the is are was were be been am do does did doing done have has had i you he she it we they me my your \
        his her its our their this that these those what which who whom whose when where why how of to in on at by for with from \
        about into over after before between than then and or but not no if so as can could should would will shall may might must \
        there here any some all each more most much many very just also only
        """.split(separator: " ").map(String.init))
}
