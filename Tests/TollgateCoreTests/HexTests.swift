import Foundation
import Testing
import TollgateCore

/// The hex encoder of key hashes and cache keys matches `%02x`, byte for byte.
@Suite("Hex")
struct HexTests {
    @Test func everyByteEncodesAsPrintfDoes() {
        let all = (0...255).map { UInt8($0) }
        #expect(Hex.encode(all) == all.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.encode([UInt8]()) == "")
        let digest = CacheKey.exact(endpoint: "/v1/chat/completions", tenant: "t", canonical: Array("{}".utf8)).bytes
        #expect(Hex.encode(digest[...]) == digest.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.encode(digest).count == 64)
    }

    @Test func cacheKeyDescriptionIsItsHex() {
        let key = CacheKey(bytes: (0..<32).map { UInt8($0 * 7 % 256) })
        #expect(key.description == key.bytes.map { String(format: "%02x", $0) }.joined())
    }
}
