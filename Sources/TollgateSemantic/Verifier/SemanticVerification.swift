import TollgateBase
import TollgateExactCache
import Foundation
import Logging

/// The semantic layer's second opinion (issue 15): a candidate whose cosine is at least the loose
/// `candidateThreshold` is served only if the pair verifier reads the two prompts as the same request
/// (probability ≥ `threshold`) and the reduced look-alike guard agrees. The guard keeps only the checks a
/// verifier cannot be trusted with: numbers (values, units, order — also the order of the same numbers,
/// `numberOrder`), quoted strings, technologies (code identifiers, languages, tools) and direction
/// (from/to, swapped names and roles); the verifier replaces the English rules for names, negation,
/// qualifiers and the task.
public struct SemanticVerification: Sendable {
    public let verifier: PairVerifier
    /// The least verifier probability served.
    public let threshold: Float
    /// The cosine a candidate needs to be shown to the verifier (a looser gate than the cosine-only default).
    public let candidateThreshold: Double
    /// The checks kept from the look-alike guard.
    public let guardrail: LookalikeGuard

    /// Direction stays: the v1 verifier is unsure about swapped from/to and roles (p ≈ 0.4–0.53 for
    /// "flights from Paris to Rome" / "… from Rome to Paris", "convert JSON to YAML" / "YAML to JSON").
    public static let keptChecks: Set<MismatchKind> = [.numbers, .quoted, .technologies, .direction]
    /// Chosen on QQP even rows (12,000 pairs): cosine ≥ 0.90 and p ≥ 0.5 beat cosine ≥ 0.93 alone in both
    /// precision (0.842 vs 0.830) and recall (0.363 vs 0.297) (training/verifier/RESULTS.md).
    public static let defaultThreshold = Float(GatewayConfig.VerifierSettings.defaultThreshold)
    public static let defaultCandidateThreshold = GatewayConfig.VerifierSettings.defaultCandidateThreshold

    public init(verifier: PairVerifier, threshold: Float = SemanticVerification.defaultThreshold,
                candidateThreshold: Double = SemanticVerification.defaultCandidateThreshold,
                guardrail: LookalikeGuard = LookalikeGuard(checks: SemanticVerification.keptChecks)) {
        self.verifier = verifier
        self.threshold = threshold
        self.candidateThreshold = candidateThreshold
        self.guardrail = guardrail
    }

    /// The cosine gate for a lookup asked at `threshold`: the looser of the two (a candidate above the
    /// cosine-only threshold still needs the verifier's yes).
    public func gate(_ threshold: Double) -> Double { min(threshold, candidateThreshold) }

    /// The reduced guard first (a microsecond), then the verifier (a forward pass).
    /// `cachedFeatures` are the cached prompt's, when the caller has them already.
    public func verdict(query: String, queryFeatures: PromptFeatures, cached: String, cachedFeatures: PromptFeatures? = nil) -> GuardVerdict {
        let g = guardrail.verdict(query: queryFeatures, cached: cachedFeatures ?? guardrail.features(of: cached))
        guard g.pass else { return g }
        if let refused = Self.numberOrder(query, cached) { return refused }
        let p = verifier.score(query, cached)
        if p >= threshold { return GuardVerdict(pass: true, reason: String(format: "verifier: p = %.3f ≥ %.3f", p, threshold)) }
        return GuardVerdict(pass: false, reason: String(format: "verifier: p = %.3f < %.3f", p, threshold), kind: nil)
    }

    /// The same numbers in another order ("7 divided by 2" / "2 divided by 7", "a table for 2 at 8" /
    /// "… for 8 at 2"): refused, since which number plays which role is what a small verifier gets
    /// least reliably right. Digits only (number words are not read); a reordering that keeps the
    /// meaning ("3 plus 5" / "5 plus 3") is refused too — a missed hit, not a wrong one.
    static func numberOrder(_ a: String, _ b: String) -> GuardVerdict? {
        let na = digitRuns(a), nb = digitRuns(b)
        guard na.count >= 2, na != nb, na.sorted() == nb.sorted() else { return nil }
        return GuardVerdict(pass: false, reason: "numbers in another order: \(na) vs \(nb)", kind: .numbers)
    }

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

    /// The verification `settings` ask for (files resolved against the working directory, as `model_dir`),
    /// or nil, with one log line saying why, when it is off or its files cannot be loaded.
    public static func load(_ settings: GatewayConfig.VerifierSettings?, modelDir: String, logger: Logger) -> SemanticVerification? {
        guard let settings else { return nil }
        do {
            let verifier = try PairVerifier(verifierFile: URL(fileURLWithPath: settings.path),
                                            modelDirectory: URL(fileURLWithPath: modelDir))
            logger.info("semantic verifier on (\(settings.path)): candidates at cosine ≥ \(settings.candidateThreshold), served at p ≥ \(settings.threshold)")
            return SemanticVerification(verifier: verifier, threshold: Float(settings.threshold),
                                        candidateThreshold: settings.candidateThreshold)
        } catch {
            logger.error("semantic verifier off: cannot load \(settings.path) with \(modelDir): \(error); using the cosine threshold and the full look-alike guard")
            return nil
        }
    }
}
