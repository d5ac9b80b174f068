import TollgateBase
import TollgateExactCache
import Foundation
import Logging

/// The semantic layer's second opinion (issue 15): a candidate whose cosine is at least the loose
/// `candidateThreshold` is served only if the look-alike guard agrees and the pair verifier reads the
/// two prompts as the same request (probability ≥ `threshold`). The guard has only the checks a
/// verifier cannot be trusted with: numbers (values, units, order — also the order of the same
/// numbers), quoted strings, technologies (code identifiers, languages, tools) and direction (from/to,
/// swapped names and roles); names, negation, qualifiers and the task are the verifier's alone.
public struct SemanticVerification: Sendable {
    public let verifier: any PairScorer
    /// The least verifier probability served.
    public let threshold: Float
    /// The cosine a candidate needs to be shown to the verifier (a looser gate than the cosine-only default).
    public let candidateThreshold: Double
    /// The look-alike guard that runs first. Direction is in it because the v1 verifier was unsure
    /// about swapped from/to and roles (p ≈ 0.4–0.53 for "flights from Paris to Rome" / "… from Rome
    /// to Paris", "convert JSON to YAML" / "YAML to JSON").
    public let guardrail: LookalikeGuard
    /// Chosen on QQP even rows (12,000 pairs): cosine ≥ 0.90 and p ≥ 0.5 beat cosine ≥ 0.93 alone in both
    /// precision (0.842 vs 0.830) and recall (0.363 vs 0.297) (training/verifier/RESULTS.md).
    public static let defaultThreshold = Float(GatewayConfig.VerifierSettings.defaultThreshold)
    public static let defaultCandidateThreshold = GatewayConfig.VerifierSettings.defaultCandidateThreshold

    public init(verifier: any PairScorer, threshold: Float = SemanticVerification.defaultThreshold,
                candidateThreshold: Double = SemanticVerification.defaultCandidateThreshold,
                guardrail: LookalikeGuard = LookalikeGuard()) {
        self.verifier = verifier
        self.threshold = threshold
        self.candidateThreshold = candidateThreshold
        self.guardrail = guardrail
    }

    /// The same verification scoring through `scorer` (e.g. a memo of this verifier's scores).
    public func withScorer(_ scorer: any PairScorer) -> SemanticVerification {
        SemanticVerification(verifier: scorer, threshold: threshold, candidateThreshold: candidateThreshold, guardrail: guardrail)
    }

    /// The cosine a candidate needs to be shown to the verifier: a threshold that was set (the
    /// request's header, the model's or the config's) is the gate itself, stricter or looser;
    /// unset, the candidate gate (looser than the cosine-only default: the verifier still has to agree).
    public func gate(_ threshold: Double?) -> Double { threshold ?? candidateThreshold }

    /// The guard first (a microsecond), then the verifier (a forward pass).
    /// `cachedFeatures` are the cached prompt's, when the caller has them already.
    public func verdict(query: String, queryFeatures: PromptFeatures, cached: String, cachedFeatures: PromptFeatures? = nil) -> GuardVerdict {
        let g = guardrail.verdict(query: queryFeatures, cached: cachedFeatures ?? guardrail.features(of: cached))
        guard g.pass else { return g }
        let p = verifier.score(query, cached)
        if p >= threshold { return GuardVerdict(pass: true, reason: String(format: "verifier: p = %.3f ≥ %.3f", p, threshold)) }
        return GuardVerdict(pass: false, reason: String(format: "verifier: p = %.3f < %.3f", p, threshold), kind: nil)
    }

    /// What to do about a verifier file that is missing.
    public static let missingHint = "It ships in the checkout (models/verifier/pair-verifier.safetensors; set cache.semantic.verifier.path "
        + "when running elsewhere); `verifier: false` serves on the cosine threshold and the look-alike guard alone, which is less precise."

    /// The verification `settings` ask for (files resolved against the working directory, as `model_dir`),
    /// or nil, with one log line saying why, when it is off or its files cannot be loaded (the caller
    /// decides what a configured but missing verifier means: `SemanticSetup` turns the layer off).
    public static func load(_ settings: GatewayConfig.VerifierSettings?, modelDir: String, logger: Logger) -> SemanticVerification? {
        try? loading(settings, modelDir: modelDir, logger: logger)
    }

    /// As `load`, but a configured verifier that cannot be loaded throws (nil: `verifier: false`).
    public static func loading(_ settings: GatewayConfig.VerifierSettings?, modelDir: String, logger: Logger) throws -> SemanticVerification? {
        guard let settings else { return nil }
        do {
            let verifier = try PairVerifier(verifierFile: URL(fileURLWithPath: settings.path),
                                            modelDirectory: URL(fileURLWithPath: modelDir))
            logger.info("semantic verifier on (\(settings.path)): candidates at cosine ≥ \(settings.candidateThreshold), served at p ≥ \(settings.threshold)")
            return SemanticVerification(verifier: verifier, threshold: Float(settings.threshold),
                                        candidateThreshold: settings.candidateThreshold)
        } catch {
            logger.error("semantic verifier: cannot load \(settings.path) with \(modelDir): \(error). \(missingHint)")
            throw error
        }
    }
}
