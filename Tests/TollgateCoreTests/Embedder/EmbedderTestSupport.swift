import Foundation
import Testing

import TollgateCore
@testable import TollgateBase
@testable import TollgateHTTPClient
@testable import TollgateExactCache
@testable import TollgateSemantic
@testable import TollgateProviders
@testable import TollgateRouting
@testable import TollgateShared
@testable import TollgateFixtures
@testable import TollgateDialects
@testable import TollgatePipeline
@testable import TollgateServer
@testable import TollgateMock
@testable import TollgateBench

/// Locations and shared state for the embedder tests.
///
/// The model directory is `$TOLLGATE_MODEL_DIR` (absolute, or relative to the package root), by default
/// `.models/all-MiniLM-L6-v2` under the package root (`make model` / `scripts/fetch-model.sh` puts it there).
/// The reference fixture is `fixtures/embedder/reference.json` under the package root, written by
/// `benchmarks/embedder/make_reference.py`.
enum EmbedderTestSupport {
    /// The directory holding `Package.swift`, found by walking up from this source file.
    static let packageRoot: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    static let modelDirectory: URL = {
        let configured = ProcessInfo.processInfo.environment["TOLLGATE_MODEL_DIR"] ?? ".models/all-MiniLM-L6-v2"
        return configured.hasPrefix("/")
            ? URL(fileURLWithPath: configured)
            : packageRoot.appendingPathComponent(configured)
    }()

    static let fixtureURL = packageRoot.appendingPathComponent("fixtures/embedder/reference.json")

    /// One model for all tests (loading maps 90 MB; the embedder is thread-safe).
    static let loadedEmbedder: Result<MiniLMEmbedder, any Error> = Result {
        try MiniLMEmbedder(modelDirectory: modelDirectory)
    }

    static func embedder() throws -> MiniLMEmbedder {
        do { return try loadedEmbedder.get() } catch {
            Issue.record("""
                cannot load the model from \(modelDirectory.path): \(error). \
                Run `make model` (scripts/fetch-model.sh \(modelDirectory.path)) (or set TOLLGATE_MODEL_DIR).
                """)
            throw error
        }
    }

    struct Fixture: Decodable {
        struct Case: Decodable {
            let text: String
            let tokens: [String]
            let ids: [Int32]
            let embedding: [Float]
        }
        let model: String
        let max_tokens: Int
        let cases: [Case]
    }

    static let loadedFixture: Result<Fixture, any Error> = Result {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixtureURL))
    }

    static func fixture() throws -> Fixture {
        do { return try loadedFixture.get() } catch {
            Issue.record("cannot read \(fixtureURL.path): \(error); run benchmarks/embedder/make_reference.py")
            throw error
        }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
}
