import Foundation

/// Formats US dollar amounts for headers: a plain decimal with at least 6 significant digits and
/// no exponent (`0.0000123000`), as scripts that read `x-tollgate-cost-usd` expect.
public enum Money {
    public static func format(_ usd: Double) -> String {
        guard usd.isFinite, usd > 0 else { return "0.000000" }
        let magnitude = Int(floor(log10(usd)))
        let decimals = max(6, 5 - magnitude)
        return String(format: "%.\(decimals)f", usd)
    }

    /// Cost of a call: tokens × price per million tokens.
    public static func cost(promptTokens: Int, completionTokens: Int, inputPerMTok: Double, outputPerMTok: Double) -> Double {
        (Double(promptTokens) * inputPerMTok + Double(completionTokens) * outputPerMTok) / 1_000_000
    }
}
