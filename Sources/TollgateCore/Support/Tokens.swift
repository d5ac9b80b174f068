/// Token counts estimated from text (≈ 4 bytes a token), where no tokenizer's count is at hand:
/// routing estimates, streams whose upstream sent no usage, the mock's usage numbers.
public enum Tokens {
    public static func estimate(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }
}
