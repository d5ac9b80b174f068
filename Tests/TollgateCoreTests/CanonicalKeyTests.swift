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

@Suite("Canonical request and exact key")
struct CanonicalKeyTests {
    static let base = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is 2+2?"}],"temperature":1}"#

    func key(_ body: String, tenant: String = "t") throws -> CacheKey {
        CacheKey.exact(endpoint: "/v1/chat/completions", tenant: tenant, body: try JSONValue.parse(body))
    }

    @Test func reorderedKeysGiveTheSameKey() throws {
        let reordered = #"{"temperature":1,"messages":[{"content":"What is 2+2?","role":"user"}],"model":"gpt-4o-mini"}"#
        #expect(try key(Self.base) == key(reordered))
    }

    @Test func numberSpellingsGiveTheSameKey() throws {
        for spelling in ["1.0", "1e0", "1.00", "10e-1", "1E+0"] {
            let body = Self.base.replacingOccurrences(of: #""temperature":1"#, with: #""temperature":\#(spelling)"#)
            #expect(try key(body) == key(Self.base), "temperature \(spelling)")
        }
        #expect(try key(Self.base) != key(Self.base.replacingOccurrences(of: #""temperature":1"#, with: #""temperature":1.01"#)))
    }

    @Test func whitespaceDoesNotMatter() throws {
        let spaced = "{ \"model\" : \"gpt-4o-mini\",\n \"messages\": [ {\"role\": \"user\", \"content\": \"What is 2+2?\"} ],\t\"temperature\": 1 }"
        #expect(try key(spaced) == key(Self.base))
    }

    @Test func streamDoesNotSplitTheKey() throws {
        let streamed = Self.base.dropLast() + #","stream":true,"stream_options":{"include_usage":true}}"#
        #expect(try key(String(streamed)) == key(Self.base))
    }

    /// Every field that can change the answer gives a different key.
    @Test(arguments: [
        #""model":"gpt-4o""#,
        #""temperature":0.2"#,
        #""top_p":0.5"#,
        #""seed":42"#,
        #""n":2"#,
        #""stop":["\n"]"#,
        #""max_tokens":10"#,
        #""max_completion_tokens":10"#,
        #""presence_penalty":0.5"#,
        #""frequency_penalty":0.5"#,
        #""logit_bias":{"1234":-100}"#,
        #""logprobs":true"#,
        #""top_k":40"#,
        #""user":"alice""#,
        #""response_format":{"type":"json_object"}"#,
        #""tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]"#,
        #""tool_choice":"required""#,
        #""parallel_tool_calls":false"#,
        #""reasoning_effort":"high""#,
        #""messages":[{"role":"user","content":"What is 2+3?"}]"#,
        #""messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is 2+2?"}]"#,
    ])
    func answerChangingFieldsChangeTheKey(field: String) throws {
        let name = String(field.split(separator: ":")[0])
        var json = try JSONValue.parse(Self.base)
        let value = try JSONValue.parse("{\(field)}")
        json = json.setting(String(name.dropFirst().dropLast()), value[String(name.dropFirst().dropLast())]!)
        #expect(CacheKey.exact(endpoint: "/v1/chat/completions", tenant: "t", body: json) != (try key(Self.base)), "\(field)")
    }

    @Test func tenantAndEndpointAreInTheKey() throws {
        let body = try JSONValue.parse(Self.base)
        let a = CacheKey.exact(endpoint: "/v1/chat/completions", tenant: "team-a", body: body)
        #expect(a != CacheKey.exact(endpoint: "/v1/chat/completions", tenant: "team-b", body: body))
        #expect(a != CacheKey.exact(endpoint: "/v1/embeddings", tenant: "team-a", body: body))
        // Length-prefixed fields: moving bytes between tenant and endpoint changes the key.
        #expect(CacheKey.exact(endpoint: "ab", tenant: "c", body: body) != CacheKey.exact(endpoint: "a", tenant: "bc", body: body))
    }

    /// The key of a fixed request is pinned: it must not change between runs or builds (stored
    /// caches would silently go cold). The value was computed independently, in Python:
    /// sha256 over the length-prefixed ("tollgate.exact.v1", endpoint, tenant) and
    /// `json.dumps(body, sort_keys=True, separators=(",", ":"))`.
    @Test func keyIsStableAcrossRuns() throws {
        #expect(try key(Self.base).description == "d7250c4a1717da155282f00e32769db396b407b06fb37b869cf7856eb87473dc")
    }

    @Test func canonicalTextSortsKeysAndNormalisesNumbers() throws {
        let json = try JSONValue.parse(#"{"b":[1.50,2e2,-0.0,7.0],"a":{"y":"\u00e9","x":null},"b2":true}"#)
        #expect(String(decoding: json.canonicalBytes, as: UTF8.self) == #"{"a":{"x":null,"y":"é"},"b":[1.5,200,0,7],"b2":true}"#)
    }

    /// No key for a body that names a field twice: the key would see one value and an upstream,
    /// reading the forwarded bytes, perhaps the other (the body is refused with a 400 instead).
    @Test func aRepeatedKeyHasNoCanonicalForm() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"model":"a","model":"b"}"#) }
    }

    @Test func rawAliasDependsOnExactBytes() {
        let a = CacheKey.raw(endpoint: "e", tenant: "t", body: Array(#"{"a":1}"#.utf8))
        #expect(a == CacheKey.raw(endpoint: "e", tenant: "t", body: Array(#"{"a":1}"#.utf8)))
        #expect(a != CacheKey.raw(endpoint: "e", tenant: "t", body: Array(#"{"a": 1}"#.utf8)))
        #expect(a != CacheKey.raw(endpoint: "e", tenant: "u", body: Array(#"{"a":1}"#.utf8)))
    }
}
