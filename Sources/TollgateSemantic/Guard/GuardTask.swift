import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// Finds the task a prompt asks for: the first task verb in a verb position ("Summarize …",
/// "Can you please translate …", "How do I delete …", "… want to compare …"), or the task noun
/// after a generic verb ("Write a summary of …", "Give me a list of …").
enum GuardTask {
    /// Words after which a task word is a verb, not a noun. Not "can", "should", …: "you can
    /// load it" states, "can you load it" asks (the verb then follows "you").
    private static let verbSlots: Set<String> = [
        "to", "please", "you", "i", "we", "me", "us", "and", "then",
        "also", "just", "now", "kindly", "help", "let", "lets", "how", "simply", "quickly", "first", "next", "finally",
    ]
    /// Verbs that take their task from a following noun ("give me a summary").
    private static let generic: Set<String> = ["give", "provide", "need", "want", "get", "do", "prepare", "produce", "make", "write", "create", "generate", "show"]
    private static let lookahead = 4

    static func primary(_ t: [GuardToken]) -> String? {
        for i in t.indices where t[i].kind == .word && !t[i].consumed && inVerbSlot(t, i) {
            if let e = t[i].entry, e.task != nil, e.taskVerb, !t[i].inflected || t[i].raw.hasSuffix("ing") && i > 0 && t[i - 1].text == "help" {
                if generic.contains(t[i].text), let noun = noun(after: i, t) { return noun }
                return e.task
            }
            if generic.contains(t[i].text), let noun = noun(after: i, t) { return noun }
        }
        return nil
    }

    private static let questionWords: [String: String] = [
        "why": "why", "when": "when", "where": "where", "who": "who", "whom": "who", "whose": "who",
    ]

    /// The specific kinds of question asked: wh-words among the first three words of a sentence
    /// ("When/where does …", "How and why …"); "how many/much" asks for a quantity.
    static func questions(_ t: [GuardToken]) -> Set<String> {
        var out = Set<String>()
        var sinceStart = 0
        for i in t.indices {
            if t[i].kind == .boundary { sinceStart = 0; continue }
            guard t[i].kind == .word else { continue }
            if t[i].sentenceStart { sinceStart = 0 }
            sinceStart += 1
            guard sinceStart <= 3 else { continue }
            if let kind = questionWords[t[i].text] { out.insert(kind) }
            if t[i].text == "how", i + 1 < t.count, ["many", "much"].contains(t[i + 1].text) { out.insert("quantity") }
        }
        return out
    }

    private static func inVerbSlot(_ t: [GuardToken], _ i: Int) -> Bool {
        if t[i].sentenceStart || i == 0 { return true }
        let prev = t[i - 1]
        switch prev.kind {
        case .boundary, .quote: return true
        case .symbol: return prev.raw == "-" || prev.raw == "*" || prev.raw == "," || prev.raw == "(" || prev.raw == "\u{2022}"
        case .number: return false
        case .word:
            // "how to delete", "want to translate" — but not "a script to delete": a purpose clause.
            if prev.text == "to", i >= 2, t[i - 2].kind == .word, t[i - 2].entry?.stop != true { return false }
            return verbSlots.contains(prev.text)
        }
    }

    private static func noun(after i: Int, _ t: [GuardToken]) -> String? {
        var k = i + 1, words = 0
        while k < t.count, words < lookahead, t[k].kind != .boundary {
            if t[k].kind == .word {
                if let e = t[k].entry, e.taskNoun, let task = e.task { return task }
                words += 1
            }
            k += 1
        }
        return nil
    }
}
