import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// The numbers of a prompt with their units, in one canonical spelling: "ten km", "10 kilometres"
/// and "10km" are all "10 km"; "1,000" is "1000"; "5 percent" is "5 %"; "2nd" and "second" are "#2".
struct GuardNumbers: Sendable, Equatable {
    /// Numbers that must be matched on the other side.
    var hard: [String] = []
    /// Numbers that may stand unmatched: "one" without a unit, "first", "a" before a unit ("a mile").
    var soft: [String] = []
    /// Every unit mentioned, with or without a number ("convert 10 miles to km": mi and km).
    var units: Set<String> = []
    /// Units of the soft numbers ("a kilogram"), which need not be matched either.
    var softUnits: Set<String> = []

    private static let determiners: Set<String> = ["which", "this", "that", "the", "every", "each", "any", "no", "some", "another", "other"]
    private static let roman: [String: Int] = [
        "ii": 2, "iii": 3, "iv": 4, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "xi": 11, "xii": 12, "xiii": 13, "xiv": 14,
        "xv": 15, "xvi": 16, "xx": 20,
    ]
    private static let perUnit: Set<String> = ["a", "an", "per", "each", "every", "one"]

    /// Reads the numbers and marks the tokens it used as consumed.
    static func extract(_ t: inout [GuardToken]) -> GuardNumbers {
        var out = GuardNumbers()
        var i = 0
        while i < t.count {
            if t[i].consumed { i += 1; continue }
            switch t[i].kind {
            case .number:
                i = digits(&t, i, &out)
            case .word:
                if t[i].allCaps, let v = roman[t[i].raw], i > 0, t[i - 1].capitalised {
                    // World War II, Henry VIII
                    out.hard.append(String(v))
                    t[i].consumed = true
                    i += 1
                } else if let n = t[i].entry?.number, n.kind == .ordinal {
                    i = ordinal(&t, i, n, &out)
                } else if t[i].entry?.number != nil || isArticle(t[i]) && startsWords(t, i + 1) {
                    i = words(&t, i, &out)
                } else if isArticle(t[i]), i + 1 < t.count, let u = unit(of: t[i + 1]), t[i + 1].raw.utf8.count > 1, !["x", "am", "pm"].contains(u) {
                    out.soft.append("1 " + u)
                    out.softUnits.insert(u)
                    t[i + 1].consumed = true
                    i += 2
                } else {
                    if let e = t[i].entry, let u = e.unit, e.bareUnit { out.units.insert(u) }
                    i += 1
                }
            case .symbol where t[i].raw == "°" && i + 1 < t.count && ["c", "f"].contains(t[i + 1].raw):
                out.units.insert("°" + t[i + 1].raw)
                t[i + 1].consumed = true
                i += 2
            default:
                i += 1
            }
        }
        out.hard.sort()
        out.soft.sort()
        return out
    }

    // MARK: Digits

    private static func digits(_ t: inout [GuardToken], _ start: Int, _ out: inout GuardNumbers) -> Int {
        let raw = t[start].raw
        t[start].consumed = true
        var j = start + 1
        var unit = currency(before: start, &t)
        var text = raw
        let plain = !raw.contains(":") && raw.split(separator: ".").count <= 2
        var value = plain ? Double(raw) : nil
        var multiplied = false
        // Letters stuck to the digits: 5k, 2nd, 1990s, 10x, 5pm (5km is handled as a unit below).
        if j < t.count, t[j].kind == .word, !t[j].spaceBefore {
            switch t[j].raw {
            case "k": value = value.map { $0 * 1000 }; multiplied = true; t[j].consumed = true; j += 1
            case "st", "nd", "rd", "th":
                out.hard.append("#" + raw); t[j].consumed = true
                return j + 1
            case "s" where raw.count == 4 || raw.count == 2:
                out.hard.append((raw.count == 2 ? "19" : "") + raw + "s"); t[j].consumed = true
                return j + 1
            default: break
            }
        }
        // 1.5 million, 3 hundred, 2 dozen
        while j < t.count, t[j].kind == .word, let n = t[j].entry?.number, n.kind == .scale || n.kind == .hundred || t[j].raw == "dozen" {
            value = value.map { $0 * n.value }
            multiplied = true
            t[j].consumed = true
            j += 1
        }
        if let v = value, multiplied || !raw.contains(".") { text = format(v) }
        if let (u, next) = unitAfter(j, &t) {
            unit = u
            j = next
        }
        if let u = unit {
            out.units.insert(u)
            text += " " + u
        }
        out.hard.append(comparator(before: start, t) + text)
        return j
    }

    private static let above: Set<String> = ["more", "greater", "larger", "bigger", "higher", "longer", "older"]
    private static let below: Set<String> = ["less", "fewer", "smaller", "lower", "shorter", "younger"]

    /// "more than one child" is not "one child": a comparative and "than" before a number make it
    /// a bound (">1"), which must be matched as such.
    static func comparator(before i: Int, _ t: [GuardToken]) -> String {
        var k = i - 1
        if k >= 0, t[k].raw == "$" || t[k].kind == .symbol { k -= 1 }
        guard k >= 1, t[k].kind == .word, t[k].text == "than", t[k - 1].kind == .word else { return "" }
        if above.contains(t[k - 1].text) { return ">" }
        if below.contains(t[k - 1].text) { return "<" }
        return ""
    }

    /// A currency written before its number: $5, € 20, Rs 500, USD 10.
    private static func currency(before i: Int, _ t: inout [GuardToken]) -> String? {
        guard i > 0, !t[i - 1].consumed else { return nil }
        // An abbreviation's period: "Rs. 2000".
        let k = i > 1 && t[i - 1].raw == "." && t[i - 2].kind == .word && !t[i - 2].consumed ? i - 2 : i - 1
        let e = t[k].kind == .symbol ? GuardLexicon.lookup(t[k].raw) : t[k].entry
        guard let e, e.currency, let u = e.unit else { return nil }
        t[k].consumed = true
        return u
    }

    /// The unit right after a number: %, °C, "-km", a unit word.
    private static func unitAfter(_ j: Int, _ t: inout [GuardToken]) -> (String, Int)? {
        guard j < t.count else { return nil }
        if t[j].kind == .symbol {
            switch t[j].raw {
            case "%":
                t[j].consumed = true
                return ("%", j + 1)
            case "°":
                t[j].consumed = true
                if j + 1 < t.count, t[j + 1].kind == .word, ["c", "f"].contains(t[j + 1].raw) {
                    t[j + 1].consumed = true
                    return ("°" + t[j + 1].raw, j + 2)
                }
                return ("deg", j + 1)
            case "-" where !t[j].spaceBefore:
                if j + 1 < t.count, let u = unit(of: t[j + 1]) {
                    t[j + 1].consumed = true
                    return (u, j + 2)
                }
            default: break
            }
            return nil
        }
        // "5 ft 10 in": "in" is inches only at the end of a phrase.
        if t[j].kind == .word, t[j].raw == "in", j + 1 >= t.count || t[j + 1].kind == .boundary || t[j + 1].raw == "," {
            t[j].consumed = true
            return ("in", j + 1)
        }
        guard t[j].kind == .word, !t[j].consumed, let u = unit(of: t[j]) else { return nil }
        if u == "x", t[j].spaceBefore { return nil }
        t[j].consumed = true
        return (u, j + 1)
    }

    private static func unit(of token: GuardToken) -> String? {
        token.kind == .word ? token.entry?.unit : nil
    }

    // MARK: Words

    private static func isArticle(_ t: GuardToken) -> Bool { t.kind == .word && (t.raw == "a" || t.raw == "an") }

    private static func startsWords(_ t: [GuardToken], _ i: Int) -> Bool {
        guard i < t.count, let n = t[i].entry?.number else { return false }
        return n.kind == .hundred || n.kind == .scale || t[i].raw == "dozen"
    }

    /// "twenty-five", "one hundred and five", "a dozen", "two million dollars", "one".
    private static func words(_ t: inout [GuardToken], _ start: Int, _ out: inout GuardNumbers) -> Int {
        var total = 0.0, current = 0.0
        var j = start
        var last: GuardNumberWord.Kind?
        var count = 0
        if isArticle(t[j]) { current = 1; t[j].consumed = true; j += 1 }
        while j < t.count {
            let tok = t[j]
            if tok.kind == .word, let n = tok.entry?.number, n.kind != .ordinal {
                if tok.raw == "dozen" || n.kind == .hundred {
                    current = max(current, 1) * n.value
                } else if n.kind == .scale {
                    total += max(current, 1) * n.value
                    current = 0
                } else {
                    if last == .small || (last == .tens && n.kind == .tens) || (n.kind == .small && n.value >= 10 && last == .tens) { break }
                    current += n.value
                }
                last = tok.raw == "dozen" ? .hundred : n.kind
                count += 1
                t[j].consumed = true
                j += 1
            } else if count > 0, j + 1 < t.count, t[j + 1].entry?.number.map({ $0.kind != .ordinal }) == true,
                      (tok.kind == .word && tok.raw == "and" && (total + current) >= 100) || (tok.kind == .symbol && tok.raw == "-" && !tok.spaceBefore) {
                j += 1
            } else {
                break
            }
        }
        guard count > 0 else { return start + 1 }
        let value = total + current
        // "which one", "the one": not a number.
        if count == 1, t[start].raw == "one", start > 0, determiners.contains(t[start - 1].text) { return j }
        var text = format(value)
        let unitHere = currency(before: start, &t) ?? unitAfter(j, &t).map { j = $0.1; return $0.0 }
        if let u = unitHere {
            out.units.insert(u)
            text += " " + u
        }
        let bound = comparator(before: start, t)
        // A lone "one" ("one of them", "one mile" like "a mile") may stand unmatched.
        if !bound.isEmpty {
            out.hard.append(bound + text)
        } else if count == 1, t[start].raw == "one" {
            out.soft.append(text)
            if let u = unitHere { out.units.remove(u); out.softUnits.insert(u) }
        } else {
            out.hard.append(text)
        }
        return j
    }

    /// "second" → #2 (but "a second" is a time); "first" may stand unmatched.
    private static func ordinal(_ t: inout [GuardToken], _ i: Int, _ n: GuardNumberWord, _ out: inout GuardNumbers) -> Int {
        if t[i].raw == "second", i > 0, perUnit.contains(t[i - 1].raw) {
            out.soft.append("1 s")
            out.softUnits.insert("s")
            t[i].consumed = true
            return i + 1
        }
        let text = "#" + format(n.value)
        if n.value == 1 { out.soft.append(text) } else { out.hard.append(text); t[i].consumed = true }
        return i + 1
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
