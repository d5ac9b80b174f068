import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// One token of a prompt as the look-alike guard reads it.
struct GuardToken: Sendable {
    enum Kind: UInt8, Sendable {
        case word, number, symbol, quote
        /// Sentence punctuation or a line break: the next word starts a sentence.
        case boundary
    }

    var kind: Kind
    /// Lower-cased surface (words), digits without grouping commas (numbers), the symbol itself.
    var raw: String
    /// The normalised form the guard compares (set by `GuardNormalizer`; `raw` until then).
    var text: String
    var capitalised = false
    var allCaps = false
    /// An upper-case letter after the first one (iPhone, GitHub, PostgreSQL).
    var innerCaps = false
    var sentenceStart = false
    /// Whitespace separates this token from the previous one.
    var spaceBefore = true
    /// What the lexicon knows about the word (set by `GuardNormalizer`).
    var entry: GuardEntry?
    /// Claimed by an earlier pass (a number and its unit, a direction's connector, …).
    var consumed = false

    init(_ kind: Kind, _ raw: String) {
        self.kind = kind
        self.raw = raw
        self.text = raw
    }

    var isWord: Bool { kind == .word }
}

/// Splits a prompt into words, numbers, symbols, quotes and sentence boundaries, keeping the case
/// information names and technologies need. Works on Unicode scalars (no regular expressions).
enum GuardTokenizer {
    static func tokenize(_ text: String) -> [GuardToken] {
        let s = Array(text.unicodeScalars)
        var out: [GuardToken] = []
        out.reserveCapacity(s.count / 4 + 4)
        var i = 0
        var space = true
        var atStart = true
        var doubleOpen = false

        func push(_ t: GuardToken) {
            var t = t
            t.spaceBefore = space
            if t.kind == .word || t.kind == .number {
                t.sentenceStart = atStart
                atStart = false
            }
            out.append(t)
            space = false
        }

        while i < s.count {
            let c = s[i]
            if isSpace(c) {
                if c == "\n" || c == "\r" || c == "\u{2028}" {
                    if out.last?.kind != .boundary { push(GuardToken(.boundary, "\n")) }
                    atStart = true
                }
                space = true
                i += 1
            } else if isLetter(c) {
                push(scanWord(s, &i))
            } else if isDigit(c) {
                push(scanNumber(s, &i))
            } else if (c == "`" || c == "'"), i + 1 < s.count, s[i + 1] == c {
                // ``LaTeX-style'' quotes
                push(GuardToken(.quote, "\""))
                doubleOpen.toggle()
                if doubleOpen { atStart = true }
                i += 2
            } else if isDoubleQuote(c) || c == "`" {
                push(GuardToken(.quote, c == "`" ? "`" : "\""))
                if c != "`" { doubleOpen.toggle(); if doubleOpen { atStart = true } }
                i += 1
            } else if isApostrophe(c) {
                let before = i == 0 || isSpace(s[i - 1]) || s[i - 1] == "("
                let after = i + 1 >= s.count || isSpace(s[i + 1]) || isPunct(s[i + 1])
                if before && !after {
                    push(GuardToken(.quote, "'o")); atStart = true
                } else if after && !before {
                    push(GuardToken(.quote, "'c"))
                }
                i += 1
            } else {
                i += 1
                switch c {
                case ".", "!", "?", ";", ":", "\u{2026}":
                    if c == "." && out.last?.kind == .symbol && out.last?.raw == "." { continue }
                    push(GuardToken(.boundary, String(c)))
                    atStart = true
                case "-", "=":
                    if i < s.count && s[i] == ">" {
                        i += 1
                        push(GuardToken(.symbol, "->"))
                    } else {
                        let bullet = atStart
                        push(GuardToken(.symbol, String(c)))
                        atStart = bullet
                    }
                case "\u{2192}", "\u{27F6}", "\u{21D2}":
                    push(GuardToken(.symbol, "->"))
                case "*", "\u{2022}":
                    let bullet = atStart
                    push(GuardToken(.symbol, String(c)))
                    atStart = bullet
                case "\u{FF05}":
                    push(GuardToken(.symbol, "%"))
                default:
                    push(GuardToken(.symbol, String(c)))
                }
            }
        }
        return out
    }

    // MARK: Words

    private static func scanWord(_ s: [Unicode.Scalar], _ i: inout Int) -> GuardToken {
        var lower = String.UnicodeScalarView()
        var letters = 0, uppers = 0
        var firstUpper = false, innerUpper = false
        func take(_ c: Unicode.Scalar) {
            if isUpper(c) {
                if letters == 0 { firstUpper = true } else { innerUpper = true }
                uppers += 1
                if c.isASCII { lower.append(Unicode.Scalar(c.value + 32)!) } else { lower.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars) }
            } else {
                lower.append(c)
            }
            letters += 1
        }
        while i < s.count {
            let c = s[i]
            if isLetter(c) {
                take(c)
                i += 1
            } else if isApostrophe(c), letters > 0, i + 1 < s.count, isLetter(s[i + 1]) {
                lower.append("'")
                i += 1
            } else {
                break
            }
        }
        var word = String(lower)
        // Joined forms the lexicon knows: c++, c#, node.js, u.s.a., objective-c, k8s, km/h, w/o.
        if i < s.count {
            if s[i] == "+", i + 1 < s.count, s[i + 1] == "+", letters <= 2 {
                word += "++"; i += 2
            } else if s[i] == "#", letters <= 2, i + 1 >= s.count || !isLetter(s[i + 1]) {
                word += "#"; i += 1
            } else {
                word = extend(word, s, &i)
            }
        }
        var t = GuardToken(.word, word)
        t.capitalised = firstUpper
        t.allCaps = uppers == letters && letters >= 2
        t.innerCaps = innerUpper && !t.allCaps
        return t
    }

    /// Extends a word with ".xx", "-xx", "/xx" or a digit run when the joined form is known to the
    /// lexicon (node.js, u.s.a, t-sql, km/h, k8s), or with dots for domain-like names.
    private static func extend(_ word: String, _ s: [Unicode.Scalar], _ i: inout Int) -> String {
        var word = word
        while i < s.count {
            let sep = s[i]
            let digitJoin = isDigit(sep)
            guard digitJoin || ((sep == "." || sep == "-" || sep == "/") && i + 1 < s.count) else { break }
            var j = digitJoin ? i : i + 1
            var part = String.UnicodeScalarView()
            while j < s.count, isLetter(s[j]) || isDigit(s[j]) {
                let c = s[j]
                if c.value >= 65 && c.value <= 90 { part.append(Unicode.Scalar(c.value + 32)!) } else { part.append(c) }
                j += 1
            }
            guard !part.isEmpty else { break }
            let joined = digitJoin ? word + String(part) : word + String(sep) + String(part)
            let dottedName = sep == "." && isLetter(s[i + 1])
            if GuardLexicon.joined.contains(joined) || dottedName {
                word = joined
                i = j
                // u.s.a. / e.g. keep their final dot.
                if sep == ".", i + 1 < s.count, s[i] == ".", !isLetter(s[i + 1]), GuardLexicon.joined.contains(word + ".") {
                    word += "."; i += 1
                }
            } else {
                break
            }
        }
        return word
    }

    // MARK: Numbers

    private static func scanNumber(_ s: [Unicode.Scalar], _ i: inout Int) -> GuardToken {
        var v = String.UnicodeScalarView()
        func digits() { while i < s.count, isDigit(s[i]) { v.append(s[i]); i += 1 } }
        digits()
        // 1,000,000 → 1000000 (groups of exactly three digits).
        while i + 3 < s.count, s[i] == ",", isDigit(s[i + 1]), isDigit(s[i + 2]), isDigit(s[i + 3]),
              i + 4 >= s.count || !isDigit(s[i + 4]) {
            i += 1
            digits()
        }
        // 3.14, 1.2.3, 10:30
        while i + 1 < s.count, s[i] == "." || s[i] == ":", isDigit(s[i + 1]) {
            v.append(s[i]); i += 1
            digits()
        }
        return GuardToken(.number, String(v))
    }

    // MARK: Character classes

    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }
        return c.properties.isAlphabetic && !isDigit(c)
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        if c.value < 128 { return c == " " || (c.value >= 9 && c.value <= 13) }
        return c.properties.isWhitespace
    }

    static func isUpper(_ c: Unicode.Scalar) -> Bool {
        if c.value < 128 { return c.value >= 65 && c.value <= 90 }
        return c.properties.isUppercase
    }

    static func isApostrophe(_ c: Unicode.Scalar) -> Bool { c == "'" || c == "\u{2019}" || c == "\u{2018}" }

    static func isDoubleQuote(_ c: Unicode.Scalar) -> Bool {
        c == "\"" || c == "\u{201C}" || c == "\u{201D}" || c == "\u{201E}" || c == "\u{00AB}" || c == "\u{00BB}"
    }

    static func isPunct(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case ".", ",", "!", "?", ";", ":", ")", "]", "}", "\"", "\u{201D}": return true
        default: return false
        }
    }
}
