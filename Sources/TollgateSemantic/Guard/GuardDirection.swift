import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// An ordered relation between two spans of a prompt: "from A to B", "A to B", "A into B",
/// "A faster than B", "A before B". `from` comes first in the relation's canonical order: "B after
/// A" and "B slower than A" are stored as (A, B) so that paraphrases that flip the wording agree.
struct GuardDirectedPair: Sendable, Hashable, CustomStringConvertible {
    /// "to", "time", or the comparative's axis ("speed", "popular").
    let axis: String
    let from: [String]
    let to: [String]

    var description: String {
        let arrow = axis == "to" ? " → " : axis == "time" ? " before " : " >\(axis)> "
        return from.joined(separator: " ") + arrow + to.joined(separator: " ")
    }

    /// The two relate the same spans in opposite directions.
    func isReversal(of other: GuardDirectedPair) -> Bool {
        guard axis == other.axis else { return false }
        let crossed = overlaps(from, other.to) && overlaps(to, other.from)
        let same = overlaps(from, other.from) && overlaps(to, other.to)
        return crossed && !same
    }

    private func overlaps(_ a: [String], _ b: [String]) -> Bool { a.contains(where: b.contains) }
}

/// Finds the direction patterns of a prompt (see `GuardDirectedPair`).
enum GuardDirection {
    private static let maxSpan = 3
    private static let articles: Set<String> = ["a", "an", "the", "my", "your", "our", "their", "his", "her", "its", "this", "that", "some"]
    private static let comparativeFillers: Set<String> = ["much", "far", "even", "way", "a", "lot", "bit", "little", "slightly", "significantly"]

    static func extract(_ t: inout [GuardToken]) -> [GuardDirectedPair] {
        var pairs: [GuardDirectedPair] = []
        var toRights: [(index: Int, span: [String])] = []
        for i in t.indices {
            let w = t[i].text
            let isConnector = (t[i].kind == .word && (w == "to" || w == "into")) || (t[i].kind == .symbol && w == "->")
            if isConnector {
                let right = rightSpan(t, i + 1)
                if !right.isEmpty { toRights.append((i, right)) }
                let left = leftSpan(t, i - 1)
                if !left.isEmpty, !right.isEmpty { pairs.append(GuardDirectedPair(axis: "to", from: left, to: right)) }
            } else if t[i].kind == .word, w == "than" {
                if let p = comparison(&t, i) { pairs.append(p) }
            } else if t[i].kind == .word, w == "before" || w == "after" {
                let left = leftSpan(t, i - 1), right = rightSpan(t, i + 1)
                guard !left.isEmpty, !right.isEmpty else { continue }
                t[i].consumed = true
                pairs.append(w == "before" ? GuardDirectedPair(axis: "time", from: left, to: right) : GuardDirectedPair(axis: "time", from: right, to: left))
            }
        }
        // "to B from A": a from-span not followed by its own "to".
        for i in t.indices where t[i].kind == .word && t[i].text == "from" {
            let span = rightSpan(t, i + 1)
            guard !span.isEmpty else { continue }
            var k = i + 1
            while k < t.count, t[k].kind == .word, t[k].text != "to", t[k].text != "into" { k += 1 }
            if k < t.count, t[k].text == "to" || t[k].text == "into" { continue }
            if let target = toRights.last(where: { $0.index < i && sameSentence(t, $0.index, i) }) {
                pairs.append(GuardDirectedPair(axis: "to", from: span, to: target.span))
            }
        }
        return pairs
    }

    /// "A is faster than B" → (speed: A, B); "A is slower than B" → (speed: B, A);
    /// "A is more popular than B" → (popular: A, B).
    private static func comparison(_ t: inout [GuardToken], _ i: Int) -> GuardDirectedPair? {
        guard i > 0, t[i - 1].kind == .word, !["rather", "other"].contains(t[i - 1].text) else { return nil }
        var k = i - 1
        var axis = t[k].text
        var polarity: Int8 = 1
        var claimed = [k]
        if let q = t[k].entry?.qualifier, q.axis != "amount" || k == 0 || !isMoreLess(t[k - 1]) {
            axis = q.axis
            polarity = q.polarity
        }
        if k > 0, isMoreLess(t[k - 1]) {
            polarity = t[k - 1].text == "more" ? 1 : -1
            if let q = t[k].entry?.qualifier { axis = q.axis; polarity *= q.polarity }
            k -= 1
            claimed.append(k)
        }
        k -= 1
        var skipped = 0
        while k >= 0, skipped < 4, t[k].kind == .word, t[k].entry?.stop == true || comparativeFillers.contains(t[k].text) {
            k -= 1
            skipped += 1
        }
        let left = leftSpan(t, k)
        let right = rightSpan(t, i + 1)
        guard !left.isEmpty, !right.isEmpty else { return nil }
        for c in claimed { t[c].consumed = true }
        return polarity > 0 ? GuardDirectedPair(axis: axis, from: left, to: right) : GuardDirectedPair(axis: axis, from: right, to: left)
    }

    private static func isMoreLess(_ t: GuardToken) -> Bool { t.kind == .word && (t.text == "more" || t.text == "less") }

    private static func isContent(_ t: GuardToken) -> Bool {
        t.kind == .word && t.entry?.stop != true && (t.entry?.number == nil || t.entry?.unit != nil) && t.entry?.negation == nil
    }

    /// Up to three content words ending at index `end`.
    private static func leftSpan(_ t: [GuardToken], _ end: Int) -> [String] {
        var span: [String] = []
        var k = end
        while k >= 0, span.count < maxSpan, isContent(t[k]) {
            span.append(t[k].text)
            k -= 1
        }
        return span
    }

    /// Up to three content words starting at index `start`, after articles and possessives.
    private static func rightSpan(_ t: [GuardToken], _ start: Int) -> [String] {
        var k = start
        while k < t.count, t[k].kind == .word, articles.contains(t[k].text) { k += 1 }
        var span: [String] = []
        while k < t.count, span.count < maxSpan, isContent(t[k]) {
            span.append(t[k].text)
            k += 1
        }
        return span
    }

    private static func sameSentence(_ t: [GuardToken], _ a: Int, _ b: Int) -> Bool {
        !t[min(a, b)...max(a, b)].contains { $0.kind == .boundary }
    }
}
