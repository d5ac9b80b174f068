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

@Suite("JSON")
struct JSONTests {
    @Test func roundTripsValues() throws {
        let text = #"{"s":"a\"b\\c\n\u0001","n":-12.5e3,"t":true,"f":false,"z":null,"a":[1,[],{}],"u":"😀 \ud83d\ude00"}"#
        let v = try JSONValue.parse(text)
        #expect(v["s"]?.stringValue == "a\"b\\c\n\u{01}")
        #expect(v["u"]?.stringValue == "😀 😀")
        #expect(v["n"]?.doubleValue == -12500)
        let again = try JSONValue.parse(v.jsonBytes)
        #expect(again == v)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":}", "{\"a\" 1}", "tru", "01", "1.", "-", "\"\\x\"", "\"\u{01}\"", "{} {}", "\"\\ud800\"", "[1 2]"])
    func rejectsMalformedInput(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func aRepeatedKeyIsAnErrorInSmallAndLargeObjectsAndAtAnyDepth() throws {
        for text in [#"{"a":1,"a":2}"#, #"{"m":[{"role":"user","role":"system"}]}"#, #"{"a":1,"b":2,"\u0061":3}"#] {
            #expect(throws: JSONParseError.self, "\(text)") { try JSONValue.parse(text) }
        }
        let keys = (0..<200).map { "\"k\($0)\":\($0)" }
        let large = "{" + keys.joined(separator: ",") + "}"
        #expect(try JSONValue.parse(large)["k199"] == .number("199"), "200 distinct keys parse")
        for dup in [3, 15, 16, 17, 150] {
            let text = "{" + (keys + ["\"k\(dup)\":0"]).joined(separator: ",") + "}"
            do { _ = try JSONValue.parse(text); Issue.record("k\(dup) repeated was accepted") } catch {
                #expect(error.message.contains("duplicate key \"k\(dup)\""), "\(error)")
                #expect(error.offset == text.utf8.count - "\"k\(dup)\":0}".utf8.count, "the offset points at the repeated key: \(error)")
            }
        }
        #expect(try JSONValue.parse(#"{"a":{"x":1},"b":{"x":2}}"#)["b"]?["x"] == .number("2"), "the same key in sibling objects is fine")
    }

    @Test func rejectsHostileNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func integersKeepTheirDigits() throws {
        let v = try JSONValue.parse("[12345678901234567890, 3.0, 1e2]")
        #expect(String(decoding: v.canonicalBytes, as: UTF8.self) == "[12345678901234567890,3,100]")
        #expect(v.arrayValue?[1].intValue == 3)
    }
}

@Suite("Money")
struct MoneyTests {
    @Test func plainDecimalsWithSixSignificantDigits() {
        #expect(Money.format(0.0000123) == "0.0000123000")
        #expect(Money.format(0) == "0.000000")
        #expect(Money.format(12.5) == "12.500000")
        #expect(Money.format(0.00375) == "0.00375000")
        for v in [1e-9, 3.3e-7, 0.1234567, 98765.4321] {
            let s = Money.format(v)
            #expect(!s.contains("e") && !s.contains("E"), "\(s)")
            let digits = s.drop(while: { $0 == "0" || $0 == "." }).filter(\.isNumber)
            #expect(digits.count >= 6, "\(s)")
            #expect(abs(Double(s)! - v) <= v * 1e-5, "\(s)")
        }
    }

    @Test func costIsTokensTimesPricePerMillion() {
        #expect(abs(Money.cost(promptTokens: 1000, completionTokens: 500, inputPerMTok: 0.15, outputPerMTok: 0.6) - 0.00045) < 1e-12)
    }
}
