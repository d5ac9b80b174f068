import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// What the look-alike guard compares in one prompt, computed once per text: numbers with units
/// and their order, quoted strings, technologies and direction patterns (with the order of names
/// and roles), all after normalisation. Store it beside a cached prompt so a semantic candidate
/// costs only the comparison.
public struct PromptFeatures: Sendable, Equatable, CustomStringConvertible {
    var numbers = GuardNumbers()
    /// Numbers joined in order ("2-1", "16:9", "3/4", "1920x1080"): their order is meaning.
    var numberPairs: [String] = []
    /// The numbers written with digits, in order (`LookalikeGuard.numberOrder`).
    var digits: [String] = []
    /// The order of the names (capitalised words not at a sentence start, acronyms, inner-capital
    /// names), pair by pair.
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
    var directions: [GuardDirectedPair] = []
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
        digits = LookalikeGuard.digitRuns(text)
        numbers = GuardNumbers.extract(&t)
        directions = GuardDirection.extract(&t)
        (technologies, maybeTechnologies) = Self.technologies(t, shouting: GuardEntities.isShouting(t))
        entityOrder = GuardEntities.order(GuardEntities.extract(t), t)
        roles = GuardRoles.extract(t)
        roleKeys = Set(roles.map(\.key))
        for i in t.indices where t[i].kind == .word || t[i].kind == .number {
            sequence.append(t[i].text)
        }
    }

    public var description: String {
        var parts: [String] = []
        if !numbers.hard.isEmpty || !numbers.soft.isEmpty { parts.append("numbers \(numbers.hard + numbers.soft.map { "(\($0))" })") }
        if !numbers.units.isEmpty { parts.append("units \(numbers.units.sorted())") }
        if !entityOrder.isEmpty { parts.append("names \(entityOrder.map { "\($0.first) … \($0.second)" })") }
        if !quoted.isEmpty { parts.append("quoted \(quoted)") }
        if !technologies.isEmpty { parts.append("tech \(technologies.sorted())") }
        if !directions.isEmpty { parts.append("direction \(directions.map(\.description))") }
        return parts.joined(separator: "; ")
    }

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
}
