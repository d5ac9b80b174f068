/// Placeholder until the guard lands: compares the numbers in the two prompts only.
public struct GuardVerdict: Sendable, Equatable {
    public let pass: Bool
    public let reason: String?
}

/// The prompt features the guard compares.
public struct PromptFeatures: Sendable {
    let numbers: Set<String>
}

/// The look-alike guard (being built: see issue 3).
public struct LookalikeGuard: Sendable {
    public init() {}

    public func features(of text: String) -> PromptFeatures {
        var numbers = Set<String>()
        var current = ""
        for ch in text {
            if ch.isNumber || (ch == "." && !current.isEmpty) { current.append(ch) } else if !current.isEmpty { numbers.insert(current); current = "" }
        }
        if !current.isEmpty { numbers.insert(current) }
        return PromptFeatures(numbers: numbers)
    }

    public func verdict(query: PromptFeatures, cached: PromptFeatures) -> GuardVerdict {
        query.numbers == cached.numbers ? GuardVerdict(pass: true, reason: nil) : GuardVerdict(pass: false, reason: "numbers differ")
    }

    public func verdict(query: String, cached: String) -> GuardVerdict {
        verdict(query: features(of: query), cached: features(of: cached))
    }
}
