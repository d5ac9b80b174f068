import TollgateBase
import TollgateExactCache
import TollgateHTTPClient
/// The look-alike guard's decision.
public struct GuardVerdict: Sendable, Equatable {
    /// The cached answer may be served for the query.
    public let pass: Bool
    /// Why not, e.g. "numbers differ: {10 km} vs {10 mi}".
    public let reason: String?
    /// Which check failed.
    public let kind: MismatchKind?

    public init(pass: Bool, reason: String? = nil, kind: MismatchKind? = nil) {
        self.pass = pass
        self.reason = reason
        self.kind = kind
    }

    static let passed = GuardVerdict(pass: true)

    static func blocked(_ kind: MismatchKind, _ what: String, _ a: String, _ b: String) -> GuardVerdict {
        GuardVerdict(pass: false, reason: "\(what): \(a) vs \(b)", kind: kind)
    }
}

/// What must be equal between a query and a cached prompt, in the order the guard checks it.
/// Names, negation, qualifiers and the task are not here: the pair verifier reads those (issue 15).
public enum MismatchKind: String, Sendable, CaseIterable {
    case numbers, quoted, technologies, direction

    /// The order of the checks: the first failing one is reported.
    package static let checkOrder: [MismatchKind] = [.numbers, .quoted, .technologies, .direction]
}

/// The semantic cache's look-alike guard: before a semantic hit is served, compares the new prompt
/// with the cached one and blocks the hit when something a small verifier cannot be trusted with
/// differs — numbers (values, units, and the order of the same numbers), quoted strings,
/// technologies (languages, tools, code identifiers), direction (from/to, comparatives, swapped
/// names and roles) — after normalising what does not change meaning (case, number words,
/// plurals, aliases, British spelling). The same checks run with the pair verifier (before it)
/// and without it (`verifier: false`: the cosine threshold and these checks only). Pure and
/// deterministic.
public struct LookalikeGuard: Sendable {
    /// The checks that run (all by default; fewer for measuring what each one contributes).
    public let checks: Set<MismatchKind>

    /// A guard that runs every check.
    public init() { self.checks = Set(MismatchKind.allCases) }

    /// A guard that runs only the given checks.
    public init(checks: Set<MismatchKind>) { self.checks = checks }

    /// The features of a prompt; compute once for a cached prompt and reuse for every query.
    public func features(of text: String) -> PromptFeatures { PromptFeatures(text) }

    /// May the answer cached for `cached` be served for `query`? (Symmetric in its two prompts.)
    public func verdict(query: String, cached: String) -> GuardVerdict {
        verdict(query: features(of: query), cached: features(of: cached))
    }

    /// The same decision from precomputed features: only the comparison (about a microsecond).
    public func verdict(query a: PromptFeatures, cached b: PromptFeatures) -> GuardVerdict {
        for kind in MismatchKind.checkOrder where checks.contains(kind) {
            if let blocked = compare(kind, a, b) { return blocked }
        }
        return .passed
    }

    // MARK: Checks

    /// A joined pair with its numbers sorted: "2-1" and "1-2" are the same pair in another order.
    static func unordered(_ pair: String) -> String {
        let parts = pair.split(whereSeparator: { "-:/x".contains($0) }).map(String.init).sorted()
        return parts.joined(separator: "~")
    }

    private func compare(_ kind: MismatchKind, _ a: PromptFeatures, _ b: PromptFeatures) -> GuardVerdict? {
        switch kind {
        case .numbers:
            let na = a.numbers, nb = b.numbers
            if !Self.covered(na.hard, by: nb.hard + nb.soft) || !Self.covered(nb.hard, by: na.hard + na.soft) {
                return .blocked(.numbers, "numbers differ", Self.set(na.hard + na.soft), Self.set(nb.hard + nb.soft))
            }
            // A unit the other side leaves out ("under 25000" vs "under 25000 INR") is not a contradiction.
            let unstatedA = Self.unitsOfBareMatches(na.hard, other: nb.hard + nb.soft)
            let unstatedB = Self.unitsOfBareMatches(nb.hard, other: na.hard + na.soft)
            if a.numberPairs != b.numberPairs, !a.numberPairs.isEmpty || !b.numberPairs.isEmpty,
               Set(a.numberPairs.map(Self.unordered)) == Set(b.numberPairs.map(Self.unordered)) {
                return .blocked(.numbers, "number order differs", Self.set(a.numberPairs), Self.set(b.numberPairs))
            }
            if !na.units.subtracting(unstatedA).isSubset(of: nb.units.union(nb.softUnits))
                || !nb.units.subtracting(unstatedB).isSubset(of: na.units.union(na.softUnits)) {
                return .blocked(.numbers, "units differ", Self.set(na.units.sorted()), Self.set(nb.units.sorted()))
            }
            if let refused = Self.numberOrder(a.digits, b.digits) { return refused }
        case .quoted:
            let onlyA = a.quoted.filter { !Self.mentions(b, $0) }
            let onlyB = b.quoted.filter { !Self.mentions(a, $0) }
            if !onlyA.isEmpty || !onlyB.isEmpty {
                return .blocked(.quoted, "quoted strings differ", Self.set(onlyA.map { "\"\($0)\"" }), Self.set(onlyB.map { "\"\($0)\"" }))
            }
        case .technologies:
            let onlyA = a.technologies.subtracting(Self.closure(b.technologies.union(b.maybeTechnologies)))
            let onlyB = b.technologies.subtracting(Self.closure(a.technologies.union(a.maybeTechnologies)))
            if !onlyA.isEmpty || !onlyB.isEmpty {
                return .blocked(.technologies, "technologies differ", Self.set(onlyA.sorted()), Self.set(onlyB.sorted()))
            }
        case .direction:
            for p in a.directions {
                if let q = b.directions.first(where: p.isReversal(of:)) {
                    return .blocked(.direction, "direction differs", "{\(p)}", "{\(q)}")
                }
            }
            for p in a.entityOrder where !p.symmetric {
                if b.entityOrder.contains(where: p.isSwap(of:)) {
                    return .blocked(.direction, "order of names differs", "{\(p.first) … \(p.second)}", "{\(p.second) … \(p.first)}")
                }
            }
            if let (p, q) = GuardRoles.swapped(a.roles, b.roles, bKeys: b.roleKeys) {
                return .blocked(.direction, "roles swapped", "{\(p.key)}", "{\(q.key)}")
            }
        }
        return nil
    }

    /// The same numbers in another order ("7 divided by 2" / "2 divided by 7", "a table for 2 at 8" /
    /// "… for 8 at 2"): refused, since which number plays which role is what a small verifier gets
    /// least reliably right. Digits only (number words are not read); a reordering that keeps the
    /// meaning ("3 plus 5" / "5 plus 3") is refused too — a missed hit, not a wrong one.
    static func numberOrder(_ na: [String], _ nb: [String]) -> GuardVerdict? {
        guard na.count >= 2, na != nb, na.sorted() == nb.sorted() else { return nil }
        return GuardVerdict(pass: false, reason: "numbers in another order: \(na) vs \(nb)", kind: .numbers)
    }

    /// `numberOrder` of two texts.
    static func numberOrder(_ a: String, _ b: String) -> GuardVerdict? { numberOrder(digitRuns(a), digitRuns(b)) }

    /// The numbers written with digits, in order ("1,000" and "3.5" are one number each).
    static func digitRuns(_ s: String) -> [String] {
        var out: [String] = [], cur = ""
        let chars = Array(s)
        for (i, c) in chars.enumerated() {
            if c.isASCII && c.isNumber {
                cur.append(c)
            } else if (c == "." || c == ","), !cur.isEmpty, i + 1 < chars.count, chars[i + 1].isASCII, chars[i + 1].isNumber {
                if c == "." { cur.append(c) }
            } else if !cur.isEmpty {
                out.append(cur)
                cur = ""
            }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    /// Every item of `items` is in `pool` (as a multiset); a number without a unit and the same
    /// number with one match each other ("25000" and "25000 inr"), units on both sides must agree.
    static func covered(_ items: [String], by pool: [String]) -> Bool {
        guard !items.isEmpty else { return true }
        var left = pool
        for x in items {
            guard let k = left.firstIndex(of: x) ?? left.firstIndex(where: { bareMatch(x, $0) }) else { return false }
            left.remove(at: k)
        }
        return true
    }

    /// One of the two is a bare number and the other the same number with a unit.
    static func bareMatch(_ x: String, _ y: String) -> Bool {
        let px = x.split(separator: " ", maxSplits: 1), py = y.split(separator: " ", maxSplits: 1)
        return px.count != py.count && px.first == py.first
    }

    /// The units of `items` whose number stands bare on the other side (units it left unstated).
    static func unitsOfBareMatches(_ items: [String], other: [String]) -> Set<String> {
        var out = Set<String>()
        for x in items {
            let parts = x.split(separator: " ", maxSplits: 1)
            if parts.count == 2, other.contains(String(parts[0])) { out.insert(String(parts[1])) }
        }
        return out
    }

    /// The prompt quotes `phrase`, or has its words in a row.
    static func mentions(_ f: PromptFeatures, _ phrase: String) -> Bool {
        if f.quoted.contains(phrase) { return true }
        let words = phrase.split(separator: " ").map(String.init)
        guard !words.isEmpty, words.count <= f.sequence.count else { return false }
        for start in 0...(f.sequence.count - words.count) where f.sequence[start] == words[0] {
            if Array(f.sequence[start..<(start + words.count)]) == words { return true }
        }
        return false
    }

    /// Technologies with the languages they imply (django → python, mysql → sql).
    static func closure(_ s: Set<String>) -> Set<String> {
        var out = s
        for x in s {
            var p = GuardLexicon.techParents[x]
            while let q = p, out.insert(q).inserted { p = GuardLexicon.techParents[q] }
        }
        return out
    }

    static func set(_ items: [String]) -> String { "{" + items.joined(separator: ", ") + "}" }
}
