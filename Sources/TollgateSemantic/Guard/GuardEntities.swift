import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// A name in a prompt: a run of adjacent capitalised words not at a sentence start, an acronym or
/// an inner-capital name ("Donald Trump", "NRA", "iPhone"), normalised. Only its order against the
/// other names is compared (the direction check); whether two prompts name the same things is the
/// pair verifier's to judge.
struct GuardEntity: Sendable, Hashable, CustomStringConvertible {
    let words: [String]
    /// Where it starts among the prompt's tokens.
    let position: Int

    /// The word that stands for the name when comparing order: its last word that identifies it
    /// (not a generic word such as "river" or "new", not a single letter), else its last word.
    var head: String {
        words.last(where: { !GuardEntities.genericParts.contains($0) && $0.utf8.count > 1 }) ?? words[words.count - 1]
    }

    var description: String { words.joined(separator: " ") }
}

/// Two names in their order of appearance; `symmetric` when only "and", "or", "vs", commas and
/// the like stand between them (swapping them keeps the meaning).
struct GuardEntityOrder: Sendable, Hashable {
    let first: String
    let second: String
    let symmetric: Bool
    /// The words between the two names.
    let between: Set<String>

    /// The other prompt has the same two names the other way round, with much the same words
    /// between them: "Why do cats dislike dogs?" vs "Why do dogs dislike cats?". (When
    /// the words between differ, a clause moved instead: "In 1990, A …" vs "A … in 1990".)
    func isSwap(of o: GuardEntityOrder) -> Bool {
        guard first == o.second, second == o.first, !symmetric, !o.symmetric else { return false }
        if between.isEmpty || o.between.isEmpty { return between.isEmpty && o.between.isEmpty }
        return between.intersection(o.between).count * 2 >= between.union(o.between).count
    }
}

enum GuardEntities {
    /// Common words that are often part of a name but do not identify it.
    static let genericParts: Set<String> = [
        "desert", "city", "island", "river", "lake", "sea", "ocean", "mountain", "mount", "state", "university", "college",
        "school", "institute", "company", "bank", "world", "war", "cup", "league", "national", "international", "republic",
        "kingdom", "empire", "union", "party", "church", "museum", "park", "street", "road", "avenue", "bridge", "tower",
        "station", "airport", "hotel", "hospital", "center", "house", "hall", "valley", "bay", "coast", "beach", "county",
        "province", "district", "region", "north", "south", "east", "west", "new", "old", "great", "grand", "upper", "lower",
        "central", "saint", "st", "fort", "port", "club", "team", "group", "games", "festival", "award", "prize", "day",
        "movie", "film", "show", "series", "season", "book", "album", "song", "band", "game", "united", "states", "general",
        "royal", "first", "second", "city", "town", "village", "castle", "cathedral", "temple", "palace", "square", "court",
        "department", "ministry", "council", "committee", "association", "society", "foundation", "corporation", "inc",
        "ltd", "co", "the", "of", "de", "la", "le", "van", "von", "al", "el", "jr", "sr", "ii", "iii", "mr", "mrs", "dr",
    ]
    private static let symmetricLinks: Set<String> = [
        "and", "or", "vs", "versus", "with", "nor", "either", "neither", "both", "plus", ",", "&", "/", "-", "the", "a", "an",
        "between", "compare", "compared", "comparing",
    ]
    private static let maxOrdered = 6

    /// Most words are in capitals: capitals say nothing about names.
    static func isShouting(_ t: [GuardToken]) -> Bool {
        var words = 0, caps = 0
        for i in t.indices where t[i].kind == .word {
            words += 1
            if t[i].allCaps { caps += 1 }
        }
        return words >= 3 && caps * 10 >= words * 6
    }

    /// The names of a prompt. Title-case and all-capitals prompts name only acronyms and
    /// inner-capital words, since every word is capitalised there.
    static func extract(_ t: [GuardToken]) -> [GuardEntity] {
        var stops = 0, capitalStops = 0
        for i in t.indices where t[i].kind == .word {
            if t[i].entry?.stop == true, !t[i].sentenceStart {
                stops += 1
                if t[i].capitalised { capitalStops += 1 }
            }
        }
        let shouting = isShouting(t)
        let titleCase = stops >= 2 && capitalStops * 10 >= stops * 6
        var out: [GuardEntity] = []
        var run: [String] = []
        var runStart = 0
        var last = -2
        for i in t.indices where t[i].kind == .word && !t[i].consumed {
            if let e = t[i].entry, e.tech != nil || e.unit != nil || e.number != nil || e.stop { continue }
            let named = (t[i].allCaps && !shouting) || t[i].innerCaps
                || (t[i].capitalised && !t[i].sentenceStart && !titleCase && !shouting)
            guard named, t[i].raw.utf8.count > 1 else { continue }
            if last >= 0, i == last + 1 || (i == last + 2 && t[last + 1].kind == .symbol && t[last + 1].raw == "-") {
                run.append(t[i].text)
            } else {
                if !run.isEmpty { out.append(GuardEntity(words: run, position: runStart)) }
                run = [t[i].text]
                runStart = i
            }
            last = i
        }
        if !run.isEmpty { out.append(GuardEntity(words: run, position: runStart)) }
        return out
    }

    /// The order of the first few names, pair by pair.
    static func order(_ entities: [GuardEntity], _ t: [GuardToken]) -> [GuardEntityOrder] {
        var seen = Set<String>()
        let distinct = entities.filter { seen.insert($0.head).inserted }.prefix(maxOrdered)
        var out: [GuardEntityOrder] = []
        for (x, a) in distinct.enumerated() {
            for b in distinct.dropFirst(x + 1) {
                let between = t[(a.position + a.words.count)..<b.position]
                let symmetric = between.allSatisfy { symmetricLinks.contains($0.kind == .word ? $0.text : $0.raw) }
                let words = Set(between.lazy.filter { $0.kind == .word }.map(\.text))
                out.append(GuardEntityOrder(first: a.head, second: b.head, symmetric: symmetric, between: words))
            }
        }
        return out
    }
}
