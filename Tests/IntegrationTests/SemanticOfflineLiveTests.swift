import Foundation
import Testing
import TollgateCore

/// The model folder (`make model`), absolute, for configs written to temporary folders.
let modelDirectory: String = {
    if let dir = ProcessInfo.processInfo.environment["TOLLGATE_MODEL_DIR"], dir.hasPrefix("/") { return dir }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".models/all-MiniLM-L6-v2").path
}()

let semanticYAML = "cache: { semantic: { enabled: true, embedder: minilm, model_dir: \(modelDirectory) } }\n"

@Suite("Live semantic cache and offline fixtures")
struct SemanticOfflineLiveTests {
    @Test func paraphraseIsASemanticHitAndALookalikeIsAMiss() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: semanticYAML + "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let first = try await post(chat, chatBody("What is the capital of France?"))
        #expect(first.cache == "miss")
        let paraphrase = try await post(chat, chatBody("What's the capital city of France?"))
        #expect(paraphrase.cache == "semantic-hit", "\(paraphrase.headers)")
        #expect(paraphrase.content == first.content)
        #expect(Double(paraphrase.headers["x-tollgate-similarity"] ?? "") ?? 0 > 0.8)
        #expect(paraphrase.headers["x-tollgate-cost-usd"] == "0.000000")
        #expect(try await upstreamCalls(mock) == 1, "a semantic hit makes no upstream call")

        #expect(try await post(chat, chatBody("Convert 10 miles to kilometers")).cache == "miss")
        let lookalike = try await post(chat, chatBody("Convert 12 miles to kilometers"))
        #expect(lookalike.cache == "miss", "different numbers never share an answer")
        #expect(lookalike.content?.contains("12 miles") == true)
        // Above the threshold (cosine 0.98) but refused by the guard's numbers check.
        #expect(try await post(chat, chatBody("Convert 10.5 miles to kilometers")).cache == "miss")
        #expect(try await post(chat, chatBody("Convert 10.6 miles to kilometers")).cache == "miss")
        let metrics = try await get(gateway.url + "/metrics").text
        let numbers = metrics.split(separator: "\n").first { $0.hasPrefix(#"tollgate_semantic_guarded_total{check="numbers"} "#) }
        #expect((numbers.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0) >= 1, "the refusal is counted by its check: \(numbers ?? "none")")
        #expect(metrics.contains(#"tollgate_semantic_guarded_total{check="direction"} 0"#), "every check's series is there from the start")
        // x-tollgate-cache: exact skips the semantic layer.
        #expect(try await post(chat, chatBody("What is the capital city of France?"), headers: [("x-tollgate-cache", "exact")]).cache == "miss")
        // A different system prompt is another namespace.
        let withSystem = #"{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Answer in French."},{"role":"user","content":"What's the capital city of France?"}]}"#
        #expect(try await post(chat, withSystem).cache == "miss")
    }

    /// With the verifier on (the default), a threshold that was set is the cosine a candidate needs,
    /// stricter than the verifier's 0.90 gate too: the header, and a model's own threshold.
    @Test func aStricterThresholdIsHonouredWithTheVerifier() async throws {
        let mock = try await startMock()
        let providers = "providers:\n" + providerYAML("budget", port: mock.port)
        let (gateway, _) = try await startGateway(config: semanticYAML + providers)
        let chat = gateway.url + "/v1/chat/completions"
        #expect(try await post(chat, chatBody("Who painted the Mona Lisa?")).cache == "miss")
        // cosine 0.967, verifier p 0.996: served by default, not at 0.99.
        let strict = try await post(chat, chatBody("Who was the painter of the Mona Lisa?"), headers: [("x-tollgate-threshold", "0.99")])
        #expect(strict.cache == "miss", "x-tollgate-threshold 0.99 is the gate: \(strict.headers)")
        let loose = try await post(chat, chatBody("Which artist painted the Mona Lisa?"))
        #expect(loose.cache == "semantic-hit", "the default gate serves it: \(loose.headers)")

        let perModel = semanticYAML.replacingOccurrences(of: "embedder: minilm,", with: "embedder: minilm, thresholds: { gpt-4o-mini: 0.99 },")
        let (strictGateway, _) = try await startGateway(config: perModel + providers)
        let strictChat = strictGateway.url + "/v1/chat/completions"
        #expect(try await post(strictChat, chatBody("Who painted the Mona Lisa?")).cache == "miss")
        let r = try await post(strictChat, chatBody("Who was the painter of the Mona Lisa?"))
        #expect(r.cache == "miss", "cache.semantic.thresholds[model] 0.99 is the gate: \(r.headers)")
    }

    @Test func tenantsNeverShareSemanticEntries() async throws {
        let mock = try await startMock()
        setenv("TG_IT_SEM_A", "semantic-key-a", 1)
        setenv("TG_IT_SEM_B", "semantic-key-b", 1)
        let keys = "keys:\n  - { key_env: TG_IT_SEM_A, tenant: a }\n  - { key_env: TG_IT_SEM_B, tenant: b }\n"
        let (gateway, _) = try await startGateway(config: semanticYAML + keys + "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        let a = [("Authorization", "Bearer semantic-key-a")]
        let b = [("Authorization", "Bearer semantic-key-b")]
        #expect(try await post(chat, chatBody("What is the capital of France?"), headers: a).cache == "miss")
        #expect(try await post(chat, chatBody("What's the capital city of France?"), headers: a).cache == "semantic-hit")
        #expect(try await post(chat, chatBody("What's the capital city of France?"), headers: b).cache == "miss", "tenant b never sees a's entries")
        #expect(try await post(chat, chatBody("What is the capital of France?"), headers: b).cache == "semantic-hit", "b's own entry, not a's")
        #expect(try await upstreamCalls(mock) == 2)
    }

    @Test func semanticEntriesSurviveARestart() async throws {
        let mock = try await startMock()
        let config = semanticYAML + "providers:\n" + providerYAML("budget", port: mock.port)
        let (first, dir) = try await startGateway(config: config)
        #expect(try await post(first.url + "/v1/chat/completions", chatBody("How many legs does a spider have?")).cache == "miss")
        first.stop()
        let (second, _) = try await startGateway(config: config, dataDir: dir)
        #expect(try await post(second.url + "/v1/chat/completions", chatBody("How many legs do spiders have?")).cache == "semantic-hit")
        #expect(try await upstreamCalls(mock) == 1)
    }

    @Test func recordThenReplayOfflineWithNoUpstreamCall() async throws {
        let mock = try await startMock()
        let fixtures = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-fx-\(UUID().uuidString)").path
        let config = semanticYAML + "providers:\n" + providerYAML("budget", port: mock.port)
        let (recorder, _) = try await startGateway(config: config, extra: ["--record", fixtures])
        let bodies = [chatBody("How do I boil an egg?"), chatBody("Name a prime number", extra: #","temperature":0"#),
                      chatBody("Write a haiku about rain", extra: #","stream":true"#)]
        var answers: [String] = []
        for b in bodies {
            let r = try await post(recorder.url + "/v1/chat/completions", b)
            #expect(r.status == 200)
            answers.append(b.contains("stream") ? streamedContent(r) : r.content ?? "")
        }
        recorder.stop()
        let calls = try await upstreamCalls(mock)
        #expect(calls == 3)
        let files = try FileManager.default.contentsOfDirectory(atPath: fixtures).filter { $0.hasSuffix(".jsonl") }
        #expect(files.count == 1)
        let text = try String(contentsOfFile: fixtures + "/" + files[0], encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3)
        #expect(!text.lowercased().contains("authorization"))

        // Offline, with the mock still listening: answers come from the fixtures only.
        let (offline, _) = try await startGateway(config: config, extra: ["--offline", "--fixtures", fixtures])
        for (b, expected) in zip(bodies, answers) {
            let r = try await post(offline.url + "/v1/chat/completions", b)
            #expect(r.cache == "hit" && r.headers["x-tollgate-provider"] == "budget")
            #expect((b.contains("stream") ? streamedContent(r) : r.content) == expected)
        }
        // A recorded JSON answer replays as a stream, and a paraphrase is a semantic hit.
        let streamed = try await post(offline.url + "/v1/chat/completions", chatBody("How do I boil an egg?", extra: #","stream":true"#))
        #expect(streamedContent(streamed) == answers[0])
        let paraphrase = try await post(offline.url + "/v1/chat/completions", chatBody("How should I boil an egg?"))
        #expect(paraphrase.cache == "semantic-hit" && paraphrase.content == answers[0])
        let missing = try await post(offline.url + "/v1/chat/completions", chatBody("What is the tallest tree on Earth?"))
        #expect(missing.status == 404, "not a 5xx, which the SDKs retry")
        #expect(missing.headers["x-should-retry"] == "false")
        #expect(missing.json?["error"]?["code"]?.stringValue == "offline_no_fixture")
        let message = missing.json?["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("--record") && message.contains("--config FILE"), "\(message)")
        #expect(message.contains("tenant `default`"), "\(message)")
        #expect(message.contains("nearest fixture has similarity 0."), "\(message)")
        #expect(try await upstreamCalls(mock) == calls, "offline mode never calls a provider")
    }

    @Test func remoteEmbedderFromAnOpenAICompatibleUpstream() async throws {
        let mock = try await startMock()
        let remote = "cache: { semantic: { embedder: remote, threshold: 0.9, remote: { base_url: \"http://127.0.0.1:\(mock.port)/v1\", model: mock-embed, dimension: 64 } } }\n"
        let (gateway, _) = try await startGateway(config: remote + "providers:\n" + providerYAML("budget", port: mock.port))
        let chat = gateway.url + "/v1/chat/completions"
        #expect(try await post(chat, chatBody("What is the boiling point of water at sea level?")).cache == "miss")
        let near = try await post(chat, chatBody("what is the boiling point of water at sea level"))
        #expect(near.cache == "semantic-hit", "\(near.headers)")
        #expect(try await upstreamCalls(mock) == 1, "embeddings calls are not chat calls; one chat call only")
    }

    @Test func embeddingsFromTheLocalModel() async throws {
        let mock = try await startMock()
        let (gateway, _) = try await startGateway(config: semanticYAML + "providers:\n" + providerYAML("budget", port: mock.port))
        let url = gateway.url + "/v1/embeddings"
        let r = try await post(url, #"{"model":"all-MiniLM-L6-v2","input":["A cat sits on the mat.","A feline rests on a rug.","Stock markets fell sharply."]}"#)
        #expect(r.status == 200)
        let vectors = try #require(r.json?["data"]?.arrayValue?.map { ($0["embedding"]?.arrayValue ?? []).compactMap { $0.doubleValue }.map(Float.init) })
        #expect(vectors.count == 3 && vectors.allSatisfy { $0.count == 384 })
        #expect(abs(VectorMath.dot(vectors[0], vectors[0]) - 1) < 1e-3)
        #expect(VectorMath.dot(vectors[0], vectors[1]) > VectorMath.dot(vectors[0], vectors[2]), "a paraphrase is closer than an unrelated sentence")
        #expect((r.json?["usage"]?["prompt_tokens"]?.intValue ?? 0) > 0)
        let b64 = try await post(url, #"{"model":"all-MiniLM-L6-v2","input":"A cat sits on the mat.","encoding_format":"base64"}"#)
        let data = try #require(Data(base64Encoded: b64.json?["data"]?.arrayValue?.first?["embedding"]?.stringValue ?? ""))
        let decoded = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(decoded.count == 384 && zip(decoded, vectors[0]).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(try await post(url, #"{"model":"no-such-embedder","input":"x"}"#).status == 404)
        #expect(try await post(url, #"{"model":"all-MiniLM-L6-v2"}"#).json?["error"]?["param"]?.stringValue == "input")
    }

    @Test func malformedFixtureLinesAreReportedAndSkipped() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-fx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let good = Fixture(recordedAt: Date(), tenant: "default", request: try JSONValue.parse(chatBody("Is water wet?")), provider: "handmade",
                           providerKind: "openai", model: "gpt-4o-mini",
                           response: try JSONValue.parse(#"{"id":"x","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Yes."},"finish_reason":"stop"}]}"#),
                           promptTokens: 5, completionTokens: 1, costUSD: 0.000001, stream: false)
        try (good.line + "\n{not json\n" + #"{"version":99}"# + "\n").write(toFile: dir + "/mixed.jsonl", atomically: true, encoding: .utf8)
        try "\u{FF}".write(toFile: dir + "/zz-binary.jsonl", atomically: true, encoding: .isoLatin1)
        let (gateway, _) = try await startGateway(config: "providers:\n" + providerYAML("p", port: 1), extra: ["--offline", "--fixtures", dir])
        let r = try await post(gateway.url + "/v1/chat/completions", chatBody("Is water wet?"))
        #expect(r.cache == "hit" && r.content == "Yes." && r.headers["x-tollgate-provider"] == "handmade")
        let log = gateway.log
        #expect(log.contains("mixed.jsonl:2:"), "\(log)")
        #expect(log.contains("mixed.jsonl:3: fixture version 99"))
        #expect(log.contains("zz-binary.jsonl"))
    }
}
