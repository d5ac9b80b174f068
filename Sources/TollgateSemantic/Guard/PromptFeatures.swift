import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// What the look-alike guard compares in one prompt, computed once per text: numbers with units,
/// named entities, quoted strings, technologies, negation, direction patterns, opposite
/// qualifiers and the task verb, all after normalisation. Store it beside a cached prompt so a
/// semantic candidate costs only the comparison.
public struct PromptFeatures: Sendable, Equatable, CustomStringConvertible {
    var numbers = GuardNumbers()
    /// Numbers joined in order ("2-1", "16:9", "3/4", "1920x1080"): their order is meaning.
    var numberPairs: [String] = []
    /// Capitalised words not at a sentence start, acronyms, inner-capital names (normalised).
    var entities: [GuardEntity] = []
    /// The order of the names, pair by pair.
    var entityOrder: [GuardEntityOrder] = []
    /// Ordinary words in their order with the words that link them (who does what to whom).
    var roles: [GuardRolePair] = []
    /// The keys of `roles`, for a quick look-up from the other prompt.
    var roleKeys: Set<String> = []
    /// Quoted strings, lower-cased, words normalised and joined by single spaces.
    var quoted: [String] = []
    var technologies: Set<String> = []
    /// Technologies named by an everyday word without the capital or context that makes it one
    /// ("go", "SWIFT" in an all-capitals prompt): they may match the other side but need not.
    var maybeTechnologies: Set<String> = []
    /// Negation classes present: "not" (not, no, never, without, n't, …) and "except".
    var negations: Set<String> = []
    var directions: [GuardDirectedPair] = []
    /// Qualifier axis → sides present (bit 1: plus, bit 2: minus).
    var qualifiers: [String: UInt8] = [:]
    /// The task the prompt asks for ("summarize", "translate"), when it names one.
    var task: String?
    /// The kinds of question it asks ("why", "when", "where", "who", "quantity"); "what" and "how"
    /// can stand for any of them and are not listed.
    var questions: Set<String> = []
    /// The normalised words and numbers in order: does the other prompt mention a name, a quote.
    var sequence: [String] = []

    /// "a<sep>b" for every digit run joined to the next by `-`, `:`, `/` or `x` (spaces allowed).
    package static func orderedNumberPairs(_ text: String) -> [String] {
        let s = Array(text.lowercased().unicodeScalars)
        var pairs: [String] = []
        var i = 0
        func number(_ j: inout Int) -> String? {
            let start = j
            while j < s.count, GuardTokenizer.isDigit(s[j]) || (s[j] == "." && j > start && j + 1 < s.count && GuardTokenizer.isDigit(s[j + 1])) { j += 1 }
            return j > start ? String(String.UnicodeScalarView(s[start..<j])) : nil
        }
        while i < s.count {
            guard GuardTokenizer.isDigit(s[i]), i == 0 || !GuardTokenizer.isDigit(s[i - 1]) else { i += 1; continue }
            var j = i
            guard let a = number(&j) else { i += 1; continue }
            var k = j
            while k < s.count, s[k] == " " { k += 1 }
            if k < s.count, ["-", ":", "/", "x", "\u{2013}"].contains(s[k]) {
                var m = k + 1
                while m < s.count, s[m] == " " { m += 1 }
                if let b = number(&m) { pairs.append("\(a)\(s[k] == "\u{2013}" ? "-" : String(s[k]))\(b)") }
            }
            i = j
        }
        return pairs.sorted()
    }

    init(_ text: String) {
        var t = GuardNormalizer.normalize(GuardTokenizer.tokenize(text))
        quoted = Self.quotedStrings(t)
        numberPairs = Self.orderedNumberPairs(text)
        numbers = GuardNumbers.extract(&t)
        directions = GuardDirection.extract(&t)
        (technologies, maybeTechnologies) = Self.technologies(t, shouting: GuardEntities.isShouting(t))
        entities = GuardEntities.extract(t)
        entityOrder = GuardEntities.order(entities, t)
        roles = GuardRoles.extract(t)
        roleKeys = Set(roles.map(\.key))
        negations = Self.negations(t)
        qualifiers = Self.qualifiers(t)
        task = GuardTask.primary(t)
        questions = GuardTask.questions(t)
        for i in t.indices where t[i].kind == .word || t[i].kind == .number {
            sequence.append(t[i].text)
        }
    }

    public var description: String {
        var parts: [String] = []
        if !numbers.hard.isEmpty || !numbers.soft.isEmpty { parts.append("numbers \(numbers.hard + numbers.soft.map { "(\($0))" })") }
        if !numbers.units.isEmpty { parts.append("units \(numbers.units.sorted())") }
        if !entities.isEmpty { parts.append("entities \(entities)") }
        if !quoted.isEmpty { parts.append("quoted \(quoted)") }
        if !technologies.isEmpty { parts.append("tech \(technologies.sorted())") }
        if !negations.isEmpty { parts.append("negation \(negations.sorted())") }
        if !directions.isEmpty { parts.append("direction \(directions.map(\.description))") }
        if !qualifiers.isEmpty { parts.append("qualifiers \(qualifiers.keys.sorted().map { "\($0)\(Self.sides(qualifiers[$0]!))" })") }
        if let task { parts.append("task \(task)") }
        if !questions.isEmpty { parts.append("question \(questions.sorted())") }
        return parts.joined(separator: "; ")
    }

    static func sides(_ bits: UInt8) -> String { bits == 3 ? "±" : bits == 1 ? "+" : "-" }

    // MARK: Extraction

    private static func quotedStrings(_ t: [GuardToken]) -> [String] {
        var out: [String] = []
        var open: (index: Int, mark: String)?
        for i in t.indices where t[i].kind == .quote {
            if let o = open {
                let closes = o.mark == "'o" ? t[i].raw == "'c" : t[i].raw == o.mark
                guard closes else { continue }
                let inside = t[(o.index + 1)..<i].filter { $0.kind == .word || $0.kind == .number }.map(\.text)
                if !inside.isEmpty { out.append(inside.joined(separator: " ")) }
                open = nil
            } else if t[i].raw != "'c" {
                open = (i, t[i].raw)
            }
        }
        return out.sorted()
    }

    private static let notTechBefore: Set<String> = ["vitamin", "plan", "grade", "type", "option", "class", "section", "part", "hepatitis"]

    private static func technologies(_ t: [GuardToken], shouting: Bool) -> (sure: Set<String>, maybe: Set<String>) {
        var sure = Set<String>(), maybe = Set<String>()
        for i in t.indices where t[i].kind == .word {
            guard let e = t[i].entry, let tech = e.tech else { continue }
            guard e.techAmbiguous else { sure.insert(tech); continue }
            if i > 0, notTechBefore.contains(t[i - 1].text) { continue }
            let context = (i > 0 && GuardLexicon.techContext.contains(t[i - 1].text))
                || (i + 1 < t.count && GuardLexicon.techContext.contains(t[i + 1].text))
            if context || (t[i].capitalised && !t[i].sentenceStart && !shouting) { sure.insert(tech) } else { maybe.insert(tech) }
        }
        return (sure, maybe.subtracting(sure))
    }

    private static let unsure: Set<String> = ["know", "understand", "sure", "idea", "get", "remember"]
    private static let whWords: Set<String> = ["how", "what", "why", "where", "when", "which", "who", "if", "whether"]

    private static func negations(_ t: [GuardToken]) -> Set<String> {
        var out = Set<String>()
        for i in t.indices where t[i].kind == .word {
            guard let kind = t[i].negated ? "not" : t[i].entry?.negation else { continue }
            // "I don't know how to …", "not sure why …": a hedge, not a negated request.
            if kind == "not", isHedge(t, i) || isTag(t, i) || isIdiom(t, i) { continue }
            out.insert(kind)
        }
        return out
    }

    private static let pronouns: Set<String> = ["it", "he", "she", "they", "you", "we", "i", "there", "that", "this"]

    /// A tag question: "…, isn't it?", "…, don't you?".
    private static func isTag(_ t: [GuardToken], _ i: Int) -> Bool {
        guard t[i].negated, i + 1 < t.count, t[i + 1].kind == .word, pronouns.contains(t[i + 1].text) else { return false }
        return i + 2 >= t.count || t[i + 2].kind == .boundary
    }

    /// "don't forget to …" (remember to), "whether … or not" (whether), and the yes/no
    /// alternative after a question: "Why or why not?", "If not, why not?", "If not, why?".
    private static func isIdiom(_ t: [GuardToken], _ i: Int) -> Bool {
        if t[i].negated, i + 1 < t.count, t[i + 1].text == "forget" { return true }
        guard t[i].text == "not", t[i].entry?.negation != nil, i > 0 else { return false }
        let endsClause = i + 1 >= t.count || t[i + 1].kind != .word
        switch t[i - 1].text {
        case "or", "why": return endsClause
        case "if": return endsClause || t[i + 1].text == "why"
        default: return false
        }
    }

    private static func isHedge(_ t: [GuardToken], _ i: Int) -> Bool {
        var k = t[i].negated ? i : i + 1
        var steps = 0
        while k < t.count, steps < 3, t[k].kind == .word {
            if unsure.contains(t[k].text) {
                return k + 1 < t.count && (whWords.contains(t[k + 1].text) || (k + 2 < t.count && whWords.contains(t[k + 2].text)))
            }
            k += 1
            steps += 1
        }
        return false
    }

    private static func qualifiers(_ t: [GuardToken]) -> [String: UInt8] {
        var out: [String: UInt8] = [:]
        for i in t.indices where t[i].kind == .word && !t[i].consumed && !(t[i].capitalised && !t[i].sentenceStart) {
            guard let q = t[i].entry?.qualifier else { continue }
            out[q.axis, default: 0] |= q.polarity > 0 ? 1 : 2
        }
        return out
    }
}
