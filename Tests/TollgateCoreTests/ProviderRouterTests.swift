import Foundation
import Synchronization
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

func model(_ name: String, input: Double, output: Double, context: Int = 128_000, caps: Set<Capability> = Set(Capability.allCases)) -> ModelConfig {
    ModelConfig(name: name, inputUSDPerMTok: input, outputUSDPerMTok: output, contextWindow: context, capabilities: caps)
}

func provider(_ name: String, _ models: ModelConfig...) -> ProviderConfig {
    ProviderConfig(name: name, kind: .openai, baseURL: "http://127.0.0.1:1/v1", models: models)
}

func chat(_ extra: String = "", model: String = "gpt-4o-mini", content: String = "hello") throws -> ChatRequest {
    try ChatRequest(body: Array(#"{"model":"\#(model)","messages":[{"role":"user","content":"\#(content)"}]\#(extra)}"#.utf8))
}

let anAnswer = UpstreamAnswer(body: ["choices": []], promptTokens: 1, completionTokens: 1, model: "m")

/// Records which providers a route tried.
final class CallLog: Sendable {
    let calls = Mutex<[String]>([])
    func add(_ s: String) { calls.withLock { $0.append(s) } }
    var all: [String] { calls.withLock { $0 } }
}

@Suite("Router: cheapest capable provider with fallback")
struct ProviderRouterTests {
    let router = ProviderRouter(providers: [
        provider("premium", model("gpt-4o-mini", input: 0.30, output: 1.20)),
        provider("budget", model("gpt-4o-mini", input: 0.15, output: 0.60, caps: [.stream])),
        provider("small", model("gpt-4o-mini", input: 0.20, output: 0.80, context: 1000), model("tiny", input: 0.01, output: 0.01, caps: [])),
    ])

    @Test func cheapestWins() throws {
        #expect(try router.candidates(for: chat()).map(\.provider.name) == ["budget", "small", "premium"])
    }

    @Test func capabilitiesFilterCandidates() throws {
        let tools = #","tools":[{"type":"function","function":{"name":"f"}}]"#
        #expect(try router.candidates(for: chat(tools)).map(\.provider.name) == ["small", "premium"])
        let json = #","response_format":{"type":"json_object"}"#
        #expect(try router.candidates(for: chat(json)).map(\.provider.name) == ["small", "premium"])
        #expect(throws: GatewayError.self) { try router.candidates(for: chat(tools, model: "tiny")) }
    }

    @Test func visionPartsNeedVision() throws {
        let body = #"{"model":"auto","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"http://x/y.png"}}]}]}"#
        let request = try ChatRequest(body: Array(body.utf8))
        #expect(request.needs == [.vision])
        #expect(try router.candidates(for: request).allSatisfy { $0.model.capabilities.contains(.vision) })
    }

    @Test func contextWindowFiltersCandidates() throws {
        let long = String(repeating: "word ", count: 1000)  // ≈ 1250 tokens
        #expect(try router.candidates(for: chat(content: long)).map(\.provider.name) == ["budget", "premium"])
        let error = #expect(throws: GatewayError.self) { try router.candidates(for: chat(#","max_tokens":200000"#, content: long)) }
        #expect(error?.code == "context_length_exceeded")
    }

    @Test func autoConsidersEveryModel() throws {
        #expect(try router.candidates(for: chat(model: "auto")).first?.model.name == "tiny")
    }

    @Test func unknownModelIs404() throws {
        let error = #expect(throws: GatewayError.self) { try router.candidates(for: chat(model: "nope")) }
        #expect(error?.status == .notFound)
    }

    @Test func fallsBackInCostOrderOnServerErrors() async throws {
        let log = CallLog()
        let (winner, _) = try await router.route(try chat()) { c throws(UpstreamFailure) in
            log.add(c.provider.name)
            if c.provider.name != "premium" { throw .server(status: 503, "down") }
            return anAnswer
        }
        #expect(winner.provider.name == "premium")
        #expect(log.all == ["budget", "small", "premium"])
    }

    @Test(arguments: [UpstreamFailure.connect("refused"), .timeout("slow"), .badResponse("cut"), .rateLimited(retryAfter: nil, "429")])
    func fallsBackOnEveryTransientFailure(failure: UpstreamFailure) async throws {
        let router = ProviderRouter(providers: [provider("a", model("m", input: 1, output: 1)), provider("b", model("m", input: 2, output: 2))])
        let (winner, _) = try await router.route(try chat(model: "m")) { c throws(UpstreamFailure) in
            if c.provider.name == "a" { throw failure }
            return anAnswer
        }
        #expect(winner.provider.name == "b")
    }

    @Test func noFallbackOnAClientError() async throws {
        let log = CallLog()
        let error = await #expect(throws: GatewayError.self) {
            _ = try await router.route(try chat()) { c throws(UpstreamFailure) in
                log.add(c.provider.name)
                throw .client(status: 400, body: Array(#"{"error":{"message":"bad tool schema","type":"invalid_request_error","param":"tools","code":null}}"#.utf8))
            }
        }
        #expect(log.all == ["budget"])
        #expect(error?.status == .badRequest)
        let text = String(decoding: error?.body ?? [], as: UTF8.self)
        #expect(text.contains("bad tool schema"))
        #expect(error?.provider == "budget")
    }

    @Test func allFailingGivesAnUpstreamStatus() async throws {
        let timeout = await #expect(throws: GatewayError.self) {
            _ = try await router.route(try chat()) { _ throws(UpstreamFailure) in throw .timeout("slow") }
        }
        #expect(timeout?.status == .gatewayTimeout)
        let down = await #expect(throws: GatewayError.self) {
            _ = try await router.route(try chat()) { _ throws(UpstreamFailure) in throw .connect("refused") }
        }
        #expect(down?.status == .badGateway)
    }

    @Test func retryAfterCoolsAProviderDown() async throws {
        let router = ProviderRouter(providers: [provider("a", model("m", input: 1, output: 1)), provider("b", model("m", input: 2, output: 2))])
        let log = CallLog()
        _ = try await router.route(try chat(model: "m")) { c throws(UpstreamFailure) in
            log.add(c.provider.name)
            if c.provider.name == "a" { throw .rateLimited(retryAfter: 60, "slow down") }
            return anAnswer
        }
        _ = try await router.route(try chat(model: "m")) { c throws(UpstreamFailure) in
            log.add(c.provider.name)
            return anAnswer
        }
        #expect(log.all == ["a", "b", "b"], "a rests for its Retry-After")
    }

    @Test func equalCostDeploymentsShareTheLoad() async throws {
        let router = ProviderRouter(providers: [provider("east", model("m", input: 1, output: 1)), provider("west", model("m", input: 1, output: 1))])
        let log = CallLog()
        for _ in 0..<10 {
            _ = try await router.route(try chat(model: "m")) { c throws(UpstreamFailure) in
                log.add(c.provider.name)
                return anAnswer
            }
        }
        #expect(log.all.filter { $0 == "east" }.count == 5)
        #expect(log.all.filter { $0 == "west" }.count == 5)
    }
}
