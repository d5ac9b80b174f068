import Foundation
import Testing

import TollgateCore
@testable import TollgateFixtures
@testable import TollgateServer

/// A fixture file that is a symbolic link (it could point anywhere on the machine) is reported
/// and not followed; regular files load.
@Suite("Fixture files")
struct FixtureSymlinkTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func symlinkedFixtureFilesAreNotFollowed() throws {
        let line = try String(contentsOf: Self.repo.appendingPathComponent("fixtures/anthropic.jsonl"), encoding: .utf8)
            .split(separator: "\n").first.map(String.init) ?? ""
        let dir = temporaryDirectory()
        let outside = temporaryDirectory() + "/secret.jsonl"
        try line.write(toFile: dir + "/real.jsonl", atomically: true, encoding: .utf8)
        try line.write(toFile: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.jsonl", withDestinationPath: outside)
        let (fixtures, problems) = try FixtureLoader.load(directory: dir)
        #expect(fixtures.count == 1, "only the regular file loads")
        #expect(problems.count == 1)
        #expect(problems.first?.file.hasSuffix("link.jsonl") == true)
        #expect(problems.first?.message.contains("symbolic link") == true)
    }
}

/// The OpenAPI document the binary serves is the repo's `openapi.yaml`.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test func theEmbeddedDocumentIsTheRepositorysFile() throws {
        let file = try String(contentsOf: FixtureSymlinkTests.repo.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        #expect(OpenAPIDocument.yaml + "\n" == file, "openapi.yaml changed: run scripts/embed-openapi.sh")
        for route in ["/v1/chat/completions", "/v1/embeddings", "/v1/messages", "/v1/messages/count_tokens", "/v1/responses", "/v1/responses/{id}",
                      "/v1/models", "/v1/models/{id}", "/healthz", "/metrics", "/admin/stats", "/admin/cache/purge", "/openapi.yaml"] {
            #expect(file.contains("\n  \(route):\n"), "\(route) is not described")
        }
    }
}
