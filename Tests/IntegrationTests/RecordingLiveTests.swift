import Foundation
import Testing
import TollgateCore

/// `serve --record DIR` through the real binary: the fixture file is created at the first
/// recorded exchange, so a start that records nothing (no call, or hits only) leaves no file.
@Suite("Recording, live")
struct RecordingLiveTests {
    func jsonlFiles(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
    }

    @Test func aStartThatRecordsNothingLeavesNoFileAndOneExchangeMakesOne() async throws {
        let mock = try await startMock()
        defer { withExtendedLifetime(mock) {} }
        let fixtures = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-rec-\(UUID().uuidString)").path
        let config = "providers:\n" + providerYAML("budget", port: mock.port)

        // No upstream call at all.
        let (idle, dataDir) = try await startGateway(config: config, extra: ["--record", fixtures])
        #expect(try await get(idle.url + "/healthz").status == 200)
        idle.stop()
        #expect(jsonlFiles(fixtures).isEmpty, "a start without exchanges left \(jsonlFiles(fixtures))")

        // One recorded exchange (a miss), then a hit of it: exactly one file, with one line.
        let (recording, _) = try await startGateway(config: config, dataDir: dataDir, extra: ["--record", fixtures])
        let chat = recording.url + "/v1/chat/completions"
        #expect(try await post(chat, chatBody("What is the melting point of tin?")).cache == "miss")
        #expect(try await post(chat, chatBody("What is the melting point of tin?")).cache == "hit")
        recording.stop()
        let files = jsonlFiles(fixtures)
        #expect(files.count == 1, "\(files)")
        let text = try String(contentsOfFile: fixtures + "/" + (files.first ?? ""), encoding: .utf8)
        #expect(text.split(separator: "\n").count == 1, "\(text.prefix(300))")

        // Hits only (the answer is in the data dir's cache): still no new file.
        let (hitsOnly, _) = try await startGateway(config: config, dataDir: dataDir, extra: ["--record", fixtures])
        #expect(try await post(hitsOnly.url + "/v1/chat/completions", chatBody("What is the melting point of tin?")).cache == "hit")
        hitsOnly.stop()
        #expect(jsonlFiles(fixtures) == files, "a start with hits only left a file: \(jsonlFiles(fixtures))")
        #expect(try await upstreamCalls(mock) == 1)
    }
}
