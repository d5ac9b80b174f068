import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// Two ordinary words of a prompt, in their order, with the words that link them: "teacher … by
/// … student", "diesel in … petrol". When the other prompt has the same two words the other way
/// round around the same linking words, the two swapped roles ("a teacher roasted by a student"
/// vs "a student roasted by a teacher"). The same test as `GuardEntityOrder`, for words that are
/// not names.
struct GuardRolePair: Sendable, Hashable {
    /// "first second", the key the other prompt looks up reversed.
    package let key: String
    let reversedKey: String
    /// The linking words between the two (articles and be/do/get removed); never empty.
    let between: Set<String>

    /// The same two words the other way round, with much the same linking words and the same
    /// function words among them: "X affects Y" vs "Y is affected by X" (a "by" on one side) and
    /// "infinite energy in the universe" vs "universe energy infinite" (an "in") keep the meaning.
    func isSwap(of o: GuardRolePair) -> Bool {
        guard key == o.reversedKey else { return false }
        if between.symmetricDifference(o.between).contains(where: { GuardLexicon.lookup($0)?.stop == true }) { return false }
        return between.intersection(o.between).count * 2 >= between.union(o.between).count
    }
}

/// Finds `GuardRolePair`s: pairs of content words at most `maxGap` words apart in one sentence,
/// each word once in the prompt. Only the first `maxWords` content words are paired, so a long
/// prompt costs a bounded number of pairs.
enum GuardRoles {
    private static let maxGap = 6
    private static let maxWords = 64
    /// Linking words that carry no role: articles, possessives, be/do/get.
    private static let glue: Set<String> = [
        "a", "an", "the", "my", "your", "our", "their", "his", "her", "its", "this", "that", "these", "those", "some",
        "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "get", "gets", "got", "getting",
    ]
    private static let listMarks: Set<String> = [",", ";", "(", ")", "/", "&"]
    /// Links that keep the meaning when the two words swap ("cats and dogs"), or that another check
    /// reads with its own normalisation ("than": comparatives; "from", "before", "after"). "to"
    /// is not one: "what a woman can say to a man" vs "what a man can say to a woman".
    private static let symmetric: Set<String> = [
        "and", "or", "nor", "vs", "versus", "with", "between", "both", "either", "neither", "plus", "than", "into",
        "from", "before", "after", "compare", "compared", "comparing", "like", "same", "as",
    ]

    static func extract(_ t: [GuardToken]) -> [GuardRolePair] {
        var count: [String: Int] = [:]
        var content: [Int] = []
        for i in t.indices where isContent(t[i]) {
            count[t[i].text, default: 0] += 1
            if content.count < maxWords { content.append(i) }
        }
        var out: [GuardRolePair] = []
        for (x, i) in content.enumerated() where count[t[i].text] == 1 {
            for j in content.dropFirst(x + 1) {
                guard j - i - 1 <= maxGap else { break }
                guard count[t[j].text] == 1, t[j].text != t[i].text else { continue }
                var between = Set<String>()
                var separated = false
                for k in (i + 1)..<j {
                    // A sentence boundary, or a list: "cats, dogs and birds".
                    if t[k].kind == .boundary || (t[k].kind == .symbol && listMarks.contains(t[k].raw)) { separated = true; break }
                    if t[k].kind == .word, !glue.contains(t[k].text) { between.insert(t[k].text) }
                }
                if separated { break }
                guard !between.isEmpty, between.isDisjoint(with: symmetric) else { continue }
                let a = t[i].text, b = t[j].text
                out.append(GuardRolePair(key: a + " " + b, reversedKey: b + " " + a, between: between))
            }
        }
        return out
    }

    /// A word that can fill a role: a technology, or a word that is not a function word, number,
    /// negation, scale word ("best X" is "X is best") or name (names have their own order check).
    private static func isContent(_ t: GuardToken) -> Bool {
        guard t.kind == .word, t.text.utf8.count > 1 else { return false }
        if let e = t.entry {
            if e.tech != nil { return true }
            if e.stop || e.number != nil || e.negation != nil { return false }
            if e.qualifier != nil { return false }
        }
        return t.text.utf8.count > 2 && !(t.capitalised && !t.sentenceStart) && !t.allCaps
    }

    /// A pair of `a` whose words `b` has in swapped roles (`bKeys`: the keys of `b`'s pairs).
    static func swapped(_ a: [GuardRolePair], _ b: [GuardRolePair], bKeys: Set<String>) -> (GuardRolePair, GuardRolePair)? {
        for p in a where bKeys.contains(p.reversedKey) {
            if let q = b.first(where: p.isSwap(of:)) { return (p, q) }
        }
        return nil
    }
}
