import Foundation

/// Formats US dollar amounts for headers: a plain decimal with at least 6 significant digits and
/// no exponent (`0.0000123000`), as scripts that read `x-tollgate-cost-usd` expect.
public enum Money {
    public static func format(_ usd: Double) -> String {
        guard usd.isFinite, usd > 0 else { return "0.000000" }
        let magnitude = Int(floor(log10(usd)))
        let decimals = max(6, 5 - magnitude)
        // Fixed-point by hand: String(format:) is slow on Linux and this runs on every hit.
        let scaled = (usd * pow(10, Double(decimals))).rounded()
        guard scaled < 9.0e15, decimals <= 30 else { return String(format: "%.\(decimals)f", usd) }
        var digits = String(Int64(scaled))
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals + 1 - digits.count) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        return digits
    }

    /// Cost of a call as the provider bills it: uncached input, input read from and written to
    /// the provider's own prompt cache, and output, each at its price. Unset cache prices take
    /// the provider kind's published rule: OpenAI bills cached input at half the input price;
    /// Anthropic bills cache reads at 0.1× and cache writes at 1.25× the input price.
    public static func cost(_ usage: TokenUsage, model: ModelConfig, kind: ProviderConfig.Kind) -> Double {
        let input = model.inputUSDPerMTok
        let read = model.cachedInputUSDPerMTok ?? input * (kind == .anthropic ? 0.1 : 0.5)
        let write = model.cacheWriteUSDPerMTok ?? (kind == .anthropic ? input * 1.25 : input)
        let uncached = max(0, usage.promptTokens - usage.cachedTokens - usage.cacheWriteTokens)
        return (Double(uncached) * input + Double(usage.cachedTokens) * read + Double(usage.cacheWriteTokens) * write
                + Double(usage.completionTokens) * model.outputUSDPerMTok) / 1_000_000
    }

    /// Cost of a call: tokens × price per million tokens.
    public static func cost(promptTokens: Int, completionTokens: Int, inputPerMTok: Double, outputPerMTok: Double) -> Double {
        (Double(promptTokens) * inputPerMTok + Double(completionTokens) * outputPerMTok) / 1_000_000
    }
}

/// Token counts of one answer, from the internal (chat) usage object. `promptTokens` counts
/// every input token, those read from or written to the provider's prompt cache included.
public struct TokenUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Input tokens read from the provider's prompt cache (`prompt_tokens_details.cached_tokens`).
    public var cachedTokens: Int
    /// Input tokens written to it (`cache_creation_input_tokens`, Anthropic's).
    public var cacheWriteTokens: Int

    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0, cacheWriteTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.cacheWriteTokens = cacheWriteTokens
    }

    /// Reads a chat `usage` object; missing counts are `fallback`'s.
    public init(chat usage: JSONValue?, fallback: TokenUsage = TokenUsage(promptTokens: 0, completionTokens: 0)) {
        promptTokens = usage?["prompt_tokens"]?.countValue ?? fallback.promptTokens
        completionTokens = usage?["completion_tokens"]?.countValue ?? fallback.completionTokens
        cachedTokens = min(usage?["prompt_tokens_details"]?["cached_tokens"]?.countValue ?? 0, promptTokens)
        cacheWriteTokens = min(usage?["cache_creation_input_tokens"]?.countValue ?? 0, promptTokens - cachedTokens)
    }
}
