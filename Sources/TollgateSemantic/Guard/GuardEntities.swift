import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// A name in a prompt: a run of adjacent capitalised words not at a sentence start, an acronym or
/// an inner-capital name ("Donald Trump", "NRA", "iPhone"), normalised.
struct GuardEntity: Sendable, Hashable, CustomStringConvertible {
    let words: [String]
    /// Where it starts among the prompt's tokens.
    let position: Int
    /// One all-capitals word ("CEO"), which the other prompt may spell out.
    var acronym = false
    /// The words the other prompt must mention: the specific ones (not "river", "county", "new"),
    /// and of a personal name (no generic word in it) only the last ("Trump" for "Donald Trump").
    let required: [String]
    /// Its words that identify it (not generic words or titles, not single letters).
    let specific: [String]

    init(words: [String], position: Int) {
        self.words = words
        self.position = position
        let specific = words.filter { !GuardEntities.genericParts.contains($0) && $0.utf8.count > 1 }
        let personal = specific.count >= 2 && specific.count == words.count
        required = specific.isEmpty ? words : personal ? [specific[specific.count - 1]] : specific
        self.specific = specific
    }

    /// The same last name with another first name on each side: "Hillary Clinton" vs "Bill
    /// Clinton", "Methode Electronics" vs "Winland Electronics". Not a conflict: "Donald Trump" vs
    /// "Trump" or "President Trump" (a title), "Hilary" vs "Hillary" or "Agua" vs "Água" (a
    /// spelling, see `spelledAlike`).
    func conflicts(with o: GuardEntity, _ mine: PromptFeatures, _ theirs: PromptFeatures) -> Bool {
        // "North Korea" vs "South Korea", "West Virginia" vs "Virginia": the same name with
        // another point of the compass is another place.
        let core = specific.filter { !GuardEntities.compassParts.contains($0) }
        if !core.isEmpty, core == o.specific.filter({ !GuardEntities.compassParts.contains($0) }), compass != o.compass { return true }
        guard head == o.head, specific.count >= 2 || o.specific.count >= 2 else { return false }
        let onlyMine = specific.filter { !GuardEntities.titles.contains($0) && !GuardEntities.mentions(theirs.sequence, $0) }
        let onlyTheirs = o.specific.filter { !GuardEntities.titles.contains($0) && !GuardEntities.mentions(mine.sequence, $0) }
        guard !onlyMine.isEmpty, !onlyTheirs.isEmpty else { return false }
        return !onlyMine.contains { x in onlyTheirs.contains { GuardEntities.spelledAlike(x, $0) } }
    }

    /// The points of the compass in the name (north, southern, upper …).
    var compass: Set<String> { Set(words.filter { GuardEntities.compassParts.contains($0) }) }

    /// The word that stands for the name when comparing order.
    var head: String { required.last ?? words[words.count - 1] }

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
    /// Generic parts that still tell two places apart.
    static let compassParts: Set<String> = [
        "north", "south", "east", "west", "northern", "southern", "eastern", "western", "northeast", "northwest",
        "southeast", "southwest", "upper", "lower",
    ]
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
    /// Titles before a name: "President Trump" is "Donald Trump".
    static let titles: Set<String> = [
        "president", "senator", "governor", "mayor", "minister", "prime", "chancellor", "king", "queen", "prince",
        "princess", "pope", "lord", "lady", "sir", "professor", "prof", "captain", "judge", "justice", "sheikh", "emperor",
        "mr", "mrs", "ms", "dr", "saint", "st",
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
        for k in out.indices where out[k].words.count == 1 && t[out[k].position].allCaps {
            out[k].acronym = true
        }
        return out
    }

    /// The prompt mentions the name: its required words, or an acronym's words spelled out
    /// ("CEO" ↔ "chief executive officer").
    static func mentioned(_ e: GuardEntity, in f: PromptFeatures) -> Bool {
        if e.required.allSatisfy({ mentions(f.sequence, $0) }) { return true }
        // "Computer Science" vs "CS": the other prompt writes the name's initials.
        if e.words.count >= 2, e.words.count <= 6, e.words.allSatisfy({ !$0.isEmpty }) {
            let initials = String(e.words.map { $0.first! })
            if f.sequence.contains(initials) { return true }
        }
        guard e.acronym else { return false }
        let letters = Array(e.words[0].utf8)
        guard letters.count >= 2, letters.count <= 6, f.sequence.count >= letters.count else { return false }
        outer: for start in 0...(f.sequence.count - letters.count) {
            for (k, c) in letters.enumerated() where f.sequence[start + k].utf8.first != c { continue outer }
            return true
        }
        return false
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

    /// The words mention the word, or a demonym or derived form of it (India/Indian, Islam/Islamic).
    static func mentions(_ words: [String], _ word: String) -> Bool {
        if words.contains(word) { return true }
        for w in words {
            let (short, long) = w.utf8.count < word.utf8.count ? (w, word) : (word, w)
            guard short.utf8.count >= 4, GuardNormalizer.starts(long, short) else { continue }
            if derivedSuffixes.contains(String(long.dropFirst(short.count))) { return true }
        }
        return false
    }

    /// Two spellings of one word: at most two edits apart (a quarter of the longer word's letters
    /// for long words: "midweight" / "middleweight") once letters outside ASCII (accents) are
    /// dropped, or one a prefix of the other ("gold" / "golden").
    static func spelledAlike(_ a: String, _ b: String) -> Bool {
        let x = a.unicodeScalars.filter(\.isASCII), y = b.unicodeScalars.filter(\.isASCII)
        if x.starts(with: y) || y.starts(with: x) { return true }
        let allowed = max(2, max(x.count, y.count) / 4)
        guard abs(x.count - y.count) <= allowed else { return false }
        // Levenshtein distance, one row at a time.
        var row = Array(0...y.count)
        for (i, cx) in x.enumerated() {
            var diagonal = row[0]
            row[0] = i + 1
            for (j, cy) in y.enumerated() {
                let above = row[j + 1]
                row[j + 1] = min(above + 1, row[j] + 1, diagonal + (cx == cy ? 0 : 1))
                diagonal = above
            }
        }
        return row[y.count] <= allowed
    }

    private static let derivedSuffixes: Set<String> = ["n", "an", "ian", "ese", "ish", "i", "ic", "ism", "ity", "ist", "s", "ns", "ians"]
}
