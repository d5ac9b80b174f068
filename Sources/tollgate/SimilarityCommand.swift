import ArgumentParser
import Foundation
import TollgateCore

/// `tollgate similarity "a" "b"`: what the semantic layer would make of two prompts.
struct SimilarityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity",
        abstract: "Print the cosine similarity of two prompts and the look-alike guard's verdict.")

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
        let cosine = VectorMath.dot(embedder.embed(a), embedder.embed(b))
        let verdict = LookalikeGuard().verdict(query: a, cached: b)
        let t = threshold ?? cfg.cache.semantic.threshold ?? SemanticCache.defaultThreshold
        print(String(format: "cosine     %.4f", cosine))
        print("guard      \(verdict.pass ? "pass" : "block: \(verdict.reason ?? "mismatch")")")
        let shared = Double(cosine) >= t && verdict.pass
        print(String(format: "threshold  %.2f", t))
        print("verdict    \(shared ? "semantic hit: the prompts would share an answer" : "miss: the prompts would not share an answer")")
    }
}
