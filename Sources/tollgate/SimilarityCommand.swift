import ArgumentParser
import Foundation
import Logging
import TollgateCore

/// `tollgate similarity "a" "b"`: what the semantic layer would make of two prompts.
struct SimilarityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity",
        abstract: "Print the cosine similarity of two prompts and the verdict of the guard and the verifier (as configured).")

    @Argument(help: "First prompt.") var a: String
    @Argument(help: "Second prompt.") var b: String
    @Option(help: "Model folder (default: cache.semantic.model_dir of --config, else .models/all-MiniLM-L6-v2).") var modelDir: String?
    @Option(help: "YAML configuration file (for the model folder and threshold).") var config: String?
    @Option(help: "Similarity threshold to judge against (default: the configured or tuned one).") var threshold: Double?

    func run() async throws {
        let cfg = try config.map { try ConfigLoader.load(path: $0) } ?? DefaultConfig.config()
        let dir = modelDir ?? cfg.cache.semantic.modelDir
        let embedder: MiniLMEmbedder
        do {
            embedder = try MiniLMEmbedder(modelDirectory: URL(fileURLWithPath: dir))
        } catch {
            FileHandle.standardError.write(Data("tollgate: cannot load the model in \(dir): \(error)\n\(SemanticSetup.modelHint)\n".utf8))
            throw ExitCode(1)
        }
        let s = cfg.cache.semantic
        if s.skipUnreadable != false, let gate = embedder.readability, let why = gate.unreadable(a) ?? gate.unreadable(b) {
            print("skipped    \(why.rawValue): the embedder cannot read it; such prompts are served from the exact layer only")
            return
        }
        var quiet = Logger(label: "tollgate.similarity")
        quiet.logLevel = .warning
        let verification: SemanticVerification?
        do {
            verification = try SemanticVerification.loading(s.verifier, modelDir: dir, logger: quiet)
        } catch {
            FileHandle.standardError.write(Data("tollgate: the semantic layer would be off: the pair verifier is configured but cannot be loaded\n".utf8))
            throw ExitCode(1)
        }
        let cosine = VectorMath.dot(embedder.embed(a), embedder.embed(b))
        let t = threshold ?? s.threshold
        let gate = verification?.gate(t) ?? t ?? SemanticCache.defaultThreshold
        print(String(format: "cosine     %.4f", cosine))
        let verdict: GuardVerdict
        if let v = verification {
            verdict = v.verdict(query: a, queryFeatures: v.guardrail.features(of: a), cached: b)
            print("verifier   \(verdict.pass ? "pass" : "block"): \(verdict.reason ?? "mismatch") (look-alike guard, then the pair verifier)")
        } else {
            verdict = LookalikeGuard().verdict(query: a, cached: b)
            print("guard      \(verdict.pass ? "pass" : "block: \(verdict.reason ?? "mismatch")") (verifier: false, the look-alike guard alone)")
        }
        let shared = Double(cosine) >= gate && verdict.pass
        print(String(format: "threshold  %.2f", gate) + (verification == nil || t != nil ? "" : " (the verifier's candidate gate)"))
        print("verdict    \(shared ? "semantic hit: the prompts would share an answer" : "miss: the prompts would not share an answer")")
    }
}
