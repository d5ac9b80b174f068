import Foundation
import Testing
import TollgateCore

/// One version: the `VERSION` file at the repository's root and `TollgateVersion.string` (what
/// `tollgate --version` and `tollgate_build_info` say) are the same string.
@Suite("Version")
struct VersionTests {
    static let versionFile: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("VERSION").path
    }()

    @Test func theVersionFileAndTheConstantAgree() throws {
        let text = try String(contentsOfFile: Self.versionFile, encoding: .utf8)
        #expect(text == TollgateVersion.string + "\n", "VERSION says \(text.debugDescription), the binary \(TollgateVersion.string)")
        #expect(TollgateVersion.string.split(separator: ".").count == 3 && TollgateVersion.string.allSatisfy { $0.isNumber || $0 == "." })
    }
}
