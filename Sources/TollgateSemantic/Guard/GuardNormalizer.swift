import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// Rewrites tokens to what does not change meaning: contractions, British spelling, phrases,
/// aliases and abbreviations, plurals; and attaches what the lexicon knows about each word.
enum GuardNormalizer {
    static func normalize(_ tokens: [GuardToken]) -> [GuardToken] {
        var out: [GuardToken] = []
        out.reserveCapacity(tokens.count + 4)
        // Spelled forms first: phrases look ahead at them.
        var spelled = [String](repeating: "", count: tokens.count)
        for (i, t) in tokens.enumerated() where t.kind == .word {
            spelled[i] = spell(stripContraction(t.raw))
        }
        var i = 0
        while i < tokens.count {
            var t = tokens[i]
            guard t.kind == .word else { out.append(t); i += 1; continue }
            var form = spelled[i]
            if let (canonical, length) = phrase(at: i, tokens, spelled) {
                form = canonical
                t.capitalised = t.capitalised || tokens[i + 1].capitalised
                i += length
            } else {
                i += 1
            }
            resolve(&t, form, into: &out)
        }
        return out
    }

    /// Looks the word up (as written, singular, then inflections) and appends it or its alias.
    private static func resolve(_ t: inout GuardToken, _ form: String, into out: inout [GuardToken]) {
        if let e = GuardLexicon.lookup(form) {
            if let alias = e.alias, !e.aliasCapsOnly || t.allCaps {
                for part in alias {
                    var a = t
                    if part.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { a.kind = .number }
                    a.raw = part
                    a.text = part
                    a.entry = GuardLexicon.lookup(part)
                    out.append(a)
                }
                return
            }
            t.text = e.tech ?? e.unit ?? form
            t.entry = e
            out.append(t)
            return
        }
        let one = singular(form)
        let single = one == form ? one : spell(one)
        t.text = single
        if single != form, let e = GuardLexicon.lookup(single), e.alias == nil {
            t.text = e.tech ?? e.unit ?? single
            t.entry = e
        } else if let e = inflection(of: form) {
            t.entry = e
        }
        out.append(t)
    }

    /// A phrase from the lexicon starting at token i: its canonical token and how many tokens it spans.
    private static func phrase(at i: Int, _ tokens: [GuardToken], _ spelled: [String]) -> (String, Int)? {
        guard let candidates = GuardLexicon.phrases[spelled[i]] else { return nil }
        outer: for (rest, canonical) in candidates {
            guard i + rest.count < tokens.count else { continue }
            for (k, word) in rest.enumerated() {
                let j = i + 1 + k
                guard tokens[j].kind == .word, spelled[j] == word else { continue outer }
            }
            return (canonical, rest.count + 1)
        }
        return nil
    }

    /// "doesn't" → "does"; "Trump's" → "trump"; "I'm" → "i".
    static func stripContraction(_ w: String) -> String {
        guard w.utf8.contains(UInt8(ascii: "'")) else { return w }
        if ends(w, "n't") {
            let base = String(w.dropLast(3))
            switch base {
            case "ca": return "can"
            case "wo": return "will"
            case "sha": return "shall"
            case "ai": return "is"
            default: return base
            }
        }
        if let q = w.lastIndex(of: "'") {
            let tail = w[w.index(after: q)...]
            if tail.isEmpty || ["s", "re", "m", "ve", "d", "ll"].contains(tail) { return String(w[..<q]) }
        }
        return w
    }

    // MARK: Spelling

    private static let ourStems = ["colour", "favour", "flavour", "honour", "labour", "neighbour", "behaviour", "humour",
                                   "rumour", "harbour", "vapour", "armour", "savour", "endeavour", "odour", "tumour"]
    private static let iseSuffixes: [(String, String)] = [
        ("isations", "izations"), ("isation", "ization"), ("ising", "izing"), ("isers", "izers"), ("iser", "izer"),
        ("ised", "ized"), ("ises", "izes"), ("ise", "ize"),
    ]

    /// British → American spelling (summarise → summarize, colour → color, centre → center).
    static func spell(_ w: String) -> String {
        if let m = GuardLexicon.spellings[w] { return m }
        let n = w.utf8.count
        if n >= 6, w.utf8.contains(UInt8(ascii: "s")) {
            for (brit, amer) in iseSuffixes where ends(w, brit) && n - brit.utf8.count >= 3 {
                return String(w.dropLast(brit.count)) + amer
            }
            for suffix in ["lysed", "lyses", "lysing", "lyse"] where ends(w, suffix) {
                return String(w.dropLast(suffix.count)) + "lyz" + suffix.dropFirst(3)
            }
        }
        if n >= 6, contains(w, "our") {
            for stem in ourStems where starts(w, stem) {
                return String(stem.dropLast(2)) + "r" + w.dropFirst(stem.count)
            }
        }
        return w
    }

    // MARK: Plurals and inflections

    private static let invariant: Set<String> = [
        "news", "series", "species", "physics", "economics", "politics", "ethics", "always", "perhaps", "lens", "thus",
        "plus", "minus", "bonus", "campus", "virus", "status", "focus", "canvas", "atlas", "alias", "chaos", "kudos",
        "does", "goes", "was", "has", "this", "its", "yes", "whereas", "sometimes", "analysis", "basis", "crisis",
    ]
    private static let irregular: [String: String] = [
        "children": "child", "feet": "foot", "teeth": "tooth", "mice": "mouse", "geese": "goose", "criteria": "criterion",
        "indices": "index", "matrices": "matrix", "vertices": "vertex", "lives": "life", "wives": "wife", "knives": "knife",
        "leaves": "leaf", "halves": "half", "wolves": "wolf", "shelves": "shelf", "thieves": "thief", "phenomena": "phenomenon",
    ]

    /// A crude singular: consistent on both sides is what matters, not linguistic accuracy.
    static func singular(_ w: String) -> String {
        let n = w.utf8.count
        guard n > 3, w.utf8.last == UInt8(ascii: "s") else { return irregular[w] ?? w }
        if let m = irregular[w] { return m }
        if invariant.contains(w) || ends(w, "ss") || ends(w, "us") || ends(w, "is") { return w }
        if ends(w, "ies"), n > 4 { return String(w.dropLast(3)) + "y" }
        for suffix in ["sses", "xes", "ches", "shes", "zes", "oes"] where ends(w, suffix) { return String(w.dropLast(2)) }
        return String(w.dropLast())
    }

    /// The lexicon entry of an inflected verb or adjective form (increased, excluding).
    private static func inflection(of w: String) -> GuardEntry? {
        let n = w.utf8.count
        guard n > 4 else { return nil }
        var candidates: [String] = []
        if ends(w, "ing"), n > 5 {
            let stem = String(w.dropLast(3))
            candidates = [stem, stem + "e", undouble(stem)]
        } else if ends(w, "ied") {
            candidates = [String(w.dropLast(3)) + "y"]
        } else if ends(w, "ed") {
            let stem = String(w.dropLast(2))
            candidates = [stem, stem + "e", undouble(stem)]
        } else if ends(w, "es") {
            candidates = [String(w.dropLast(2)), String(w.dropLast())]
        } else if ends(w, "s") {
            candidates = [String(w.dropLast())]
        }
        for c in candidates {
            if let e = GuardLexicon.lookup(spell(c)), e.qualifier != nil || e.negation != nil { return e }
        }
        return nil
    }

    // MARK: Byte-level affixes (the words are short; Unicode-aware hasSuffix is slow here)

    @inline(__always) static func ends(_ w: String, _ suffix: String) -> Bool {
        let a = w.utf8, b = suffix.utf8
        guard a.count >= b.count else { return false }
        return a.reversed().starts(with: b.reversed())
    }

    @inline(__always) static func starts(_ w: String, _ prefix: String) -> Bool {
        w.utf8.starts(with: prefix.utf8)
    }

    static func contains(_ w: String, _ part: String) -> Bool {
        let a = Array(w.utf8), b = Array(part.utf8)
        guard a.count >= b.count else { return false }
        for i in 0...(a.count - b.count) where a[i] == b[0] && Array(a[i..<(i + b.count)]) == b { return true }
        return false
    }

    private static func undouble(_ s: String) -> String {
        let u = Array(s.utf8)
        guard u.count >= 3, u[u.count - 1] == u[u.count - 2] else { return s }
        return String(s.dropLast())
    }
}
