import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// What the look-alike guard's lexicon knows about one word (a class, so that tokens share it
/// instead of copying its strings).
final class GuardEntry: Sendable {
    /// Canonical tokens that replace the word (an abbreviation or alias).
    let alias: [String]?
    /// The alias applies only to an all-capitals surface form (US, LA, UN).
    let aliasCapsOnly: Bool
    /// Canonical unit ("km", "%", "usd").
    let unit: String?
    /// The unit counts even without a number (km, miles, dollars); not s, m, h, ….
    let bareUnit: Bool
    /// A currency that may stand before its number ($5, Rs 500).
    let currency: Bool
    let number: GuardNumberWord?
    /// Canonical technology name.
    let tech: String?
    /// Also an everyday word (Go, Rust, Swift, React): counts only when capitalised or in context.
    let techAmbiguous: Bool
    /// A side of a scale ("faster": speed +1): "A is slower than B" is "B is faster than A".
    let qualifier: GuardQualifier?
    /// A negation ("not", "no", "never", "without", "except"): ends a direction's span, fills no role.
    let negation: String?
    /// A function word or a filler ("the", "please", "can").
    let stop: Bool

    init(_ d: GuardEntryDraft) {
        alias = d.alias
        aliasCapsOnly = d.aliasCapsOnly
        unit = d.unit
        bareUnit = d.bareUnit
        currency = d.currency
        number = d.number
        tech = d.tech
        techAmbiguous = d.techAmbiguous
        qualifier = d.qualifier
        negation = d.negation
        stop = d.stop
    }
}

/// A lexicon entry while the tables are being built (fields as in `GuardEntry`).
struct GuardEntryDraft {
    var alias: [String]?
    var aliasCapsOnly = false, bareUnit = false, currency = false, techAmbiguous = false, stop = false
    var unit: String?, tech: String?, negation: String?
    var number: GuardNumberWord?
    var qualifier: GuardQualifier?
}

/// A number word: its value and how it combines with its neighbours.
struct GuardNumberWord: Sendable {
    enum Kind: Sendable { case small, tens, hundred, scale, ordinal }
    let value: Double
    let kind: Kind
}

/// A side of a scale: an axis ("size") and a side (+1 larger, -1 smaller).
struct GuardQualifier: Sendable, Hashable {
    let axis: String
    let polarity: Int8
}

/// The guard's word tables, parsed once from the compact lists in `GuardWordLists`.
enum GuardLexicon {
    static let entries: [String: GuardEntry] = build()
    /// Tokens the tokenizer keeps whole: c++, node.js, u.s.a., t-sql, km/h, k8s, ….
    static let joined: Set<String> = buildJoined()
    /// Multi-word phrases → one canonical token ("sql server", "per cent", "ruby on rails").
    static let phrases: [String: [(rest: [String], canonical: String)]] = buildPhrases()
    /// A technology's parent language (django → python, mysql → sql).
    static let techParents: [String: String] = buildTechParents()
    /// British → American spellings that the suffix rules do not cover.
    static let spellings: [String: String] = parseMap(GuardWordLists.spellings)
    /// Words around an ambiguous technology name that make it one ("Go code", "in Swift language").
    static let techContext: Set<String> = words(GuardWordLists.techContext)

    static func lookup(_ word: String) -> GuardEntry? { entries[word] }

    // MARK: Building

    private static func words(_ list: String) -> Set<String> {
        Set(list.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    /// Lines of "canonical[flags]: form form …" → (canonical, flags, forms).
    private static func lines(_ text: String) -> [(name: String, flags: Substring, forms: [String])] {
        text.split(separator: "\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let head = trimmed(line[..<colon])
            let bar = head.firstIndex(of: "|")
            let name = bar.map { String(head[..<$0]) } ?? String(head)
            let flags = bar.map { head[head.index(after: $0)...] } ?? ""
            let forms = line[line.index(after: colon)...].split(separator: " ").map(String.init)
            return (name, flags, forms)
        }
    }

    private static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }

    private static func parseMap(_ text: String) -> [String: String] {
        var map: [String: String] = [:]
        for (name, _, forms) in lines(text) { for f in forms { map[f] = name } }
        return map
    }

    private static func build() -> [String: GuardEntry] {
        var e: [String: GuardEntryDraft] = [:]
        func edit(_ word: String, _ body: (inout GuardEntryDraft) -> Void) {
            let key = word.contains("_") ? word : GuardNormalizer.spell(word)
            var entry = e[key] ?? GuardEntryDraft()
            body(&entry)
            e[key] = entry
        }
        for w in words(GuardWordLists.stopwords) { edit(w) { $0.stop = true } }
        for (name, flags, forms) in lines(GuardWordLists.units) {
            for f in forms {
                edit(f) { $0.unit = name; $0.bareUnit = flags.contains("b") && f.count > 1; $0.currency = flags.contains("c") }
            }
        }
        for (name, flags, forms) in lines(GuardWordLists.numbers) {
            let kind: GuardNumberWord.Kind
            switch flags {
            case "t": kind = .tens
            case "h": kind = .hundred
            case "s": kind = .scale
            case "o": kind = .ordinal
            default: kind = .small
            }
            for f in forms { edit(f) { $0.number = GuardNumberWord(value: Double(name)!, kind: kind) } }
        }
        for (name, flags, forms) in lines(GuardWordLists.technologies) where !name.isEmpty {
            let canonical = name.split(separator: ">").first.map(String.init) ?? name
            for f in forms + [canonical] {
                edit(f) { $0.tech = canonical; $0.techAmbiguous = flags.contains("a") && f == forms.first }
            }
        }
        for (axis, _, forms) in lines(GuardWordLists.qualifiers) {
            var polarity: Int8 = 1
            for f in forms {
                if f == "/" { polarity = -1; continue }
                edit(f) { $0.qualifier = GuardQualifier(axis: axis, polarity: polarity) }
            }
        }
        for (kind, _, forms) in lines(GuardWordLists.negations) { for f in forms { edit(f) { $0.negation = kind } } }
        for (name, flags, forms) in lines(GuardWordLists.aliases) {
            let target = name.split(separator: " ").map(String.init)
            for f in forms { edit(f) { $0.alias = target; $0.aliasCapsOnly = flags.contains("^") } }
        }
        return e.mapValues(GuardEntry.init)
    }

    private static var allLists: [String] {
        [GuardWordLists.units, GuardWordLists.numbers, GuardWordLists.technologies, GuardWordLists.qualifiers,
         GuardWordLists.negations, GuardWordLists.aliases]
    }

    private static func buildJoined() -> Set<String> {
        var set = words(GuardWordLists.joinedForms)
        for list in allLists {
            for (name, _, forms) in lines(list) {
                for f in forms + [String(name.split(separator: ">").first ?? "")]
                where f.contains(where: { "./-+#0123456789".contains($0) }) && !f.contains("_") && f.count > 1 {
                    set.insert(f)
                    if f.hasSuffix(".") { set.insert(String(f.dropLast())) }
                }
            }
        }
        return set
    }

    /// Every form written with `_` becomes a phrase whose canonical token is that form.
    private static func buildPhrases() -> [String: [(rest: [String], canonical: String)]] {
        var p: [String: [(rest: [String], canonical: String)]] = [:]
        for list in allLists {
            for (_, _, forms) in lines(list) {
                for f in forms where f.contains("_") {
                    let parts = f.split(separator: "_").map { GuardNormalizer.spell(String($0)) }
                    p[parts[0], default: []].append((Array(parts.dropFirst()), f))
                }
            }
        }
        // Longest phrase first.
        for k in p.keys { p[k]?.sort { $0.rest.count > $1.rest.count } }
        return p
    }

    private static func buildTechParents() -> [String: String] {
        var map: [String: String] = [:]
        for (name, _, _) in lines(GuardWordLists.technologies) {
            let parts = name.split(separator: ">").map(String.init)
            if parts.count == 2 { map[parts[0]] = parts[1] }
        }
        return map
    }
}
