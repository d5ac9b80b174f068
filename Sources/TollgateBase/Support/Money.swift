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

    /// Cost of a call: tokens × price per million tokens.
    public static func cost(promptTokens: Int, completionTokens: Int, inputPerMTok: Double, outputPerMTok: Double) -> Double {
        (Double(promptTokens) * inputPerMTok + Double(completionTokens) * outputPerMTok) / 1_000_000
    }
}
