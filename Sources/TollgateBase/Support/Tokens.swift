/// Token counts estimated from text (≈ 4 bytes a token), where no tokenizer's count is at hand:
/// routing estimates, streams whose upstream sent no usage, the mock's usage numbers.
public enum Tokens {
    public static func estimate(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }

    /// The largest token count the gateway believes from a request, an upstream or a header.
    /// Counts are clamped to it, so sums of a few of them can never overflow `Int`.
    public static let ceiling = 1 << 40
}

extension JSONValue {
    /// A count (tokens, items) as an integer clamped to `0...Tokens.ceiling`, or nil when this is
    /// not an integer. Use it for every number an upstream reports: a hostile or broken upstream
    /// that says `prompt_tokens: 9223372036854775807` must not trap a sum.
    public var countValue: Int? { intValue.map { min(max($0, 0), Tokens.ceiling) } }
}
