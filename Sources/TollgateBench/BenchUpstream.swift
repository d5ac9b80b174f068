import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TollgateBase
import TollgateHTTPClient
import TollgateMock
import TollgateExactCache
import TollgateSemantic
import TollgatePipeline
import TollgateFixtures

/// The bench's deterministic upstream: an OpenAI-compatible `POST /v1/chat/completions` that
/// answers by equivalence class. It knows the workload, finds the request by its messages and
/// answers `class:<id> line:<n>` (the class of the question and the workload line that first
/// asked it), padded to `answerTokens` tokens so that cache entries and dollar figures have a
/// realistic size. A request it does not know is answered `class:- line:0`.
/// `GET /_mock/stats` returns `{"requests": N}`: the upstream calls it received.
public final class BenchUpstream: Sendable {
    /// Messages (canonical JSON) → (class, first workload line).
    let answers: [[UInt8]: (classID: String?, line: Int)]
    let answerTokens: Int
    let count = Atomic<Int>(0)

    public init(workload: [BenchRequest], answerTokens: Int = 200) {
        var answers: [[UInt8]: (String?, Int)] = [:]
        for r in workload {
            let key = BenchUpstream.key(r.body["messages"] ?? [])
            if answers[key] == nil { answers[key] = (r.classID, r.line) }
        }
        self.answers = answers
        self.answerTokens = answerTokens
    }

    /// Chat calls received so far.
    public var requests: Int { count.load(ordering: .relaxed) }

    static func key(_ messages: JSONValue) -> [UInt8] { messages.canonicalBytes }

    /// The answer text for a request's messages.
    func content(for messages: JSONValue) -> String {
        let (classID, line) = answers[BenchUpstream.key(messages)] ?? (nil, 0)
        var text = "class:\(classID ?? "-") line:\(line)"
        // Filler so that the answer is about `answerTokens` tokens long (≈ 4 bytes a token).
        let target = answerTokens * 4
        var word = 0
        while text.utf8.count + 6 <= target {
            text += word % 12 == 11 ? ". Lorem" : " lorem"
            word += 1
        }
        return text
    }

    /// Reads the class and line back from an answer's content.
    public static func parse(content: String) -> (classID: String?, line: Int?) {
        var classID: String?
        var line: Int?
        for word in content.split(separator: " ").prefix(2) {
            if word.hasPrefix("class:") { let c = String(word.dropFirst(6)); classID = c == "-" ? nil : c }
            if word.hasPrefix("line:") { line = Int(word.dropFirst(5)) }
        }
        return (classID, line)
    }

    /// The class and line of a `chat.completion` body (first choice), if it is one of ours.
    public static func parse(body: [UInt8]) -> (classID: String?, line: Int?)? {
        guard let json = try? JSONValue.parse(body), let content = json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue,
              content.hasPrefix("class:") else { return nil }
        return parse(content: content)
    }

    func answer(_ body: [UInt8]) -> Response {
        count.wrappingAdd(1, ordering: .relaxed)
        guard let json = try? JSONValue.parse(body), let messages = json["messages"] else {
            return Response(GatewayResponse.error(.invalidRequest("bench upstream: expected a chat.completions body")))
        }
        let text = content(for: messages)
        let prompt = (messages.arrayValue ?? []).reduce(0) { $0 + Tokens.estimate(($1["content"] ?? "").jsonString) + 4 }
        let completion = Tokens.estimate(text)
        let answer: JSONValue = [
            "id": .string("chatcmpl-bench-\(requests)"),
            "object": "chat.completion",
            "created": .int(Int(Date().timeIntervalSince1970)),
            "model": json["model"] ?? "bench",
            "choices": [["index": 0, "message": ["role": "assistant", "content": .string(text), "refusal": nil], "logprobs": nil, "finish_reason": "stop"]],
            "usage": ["prompt_tokens": .int(prompt), "completion_tokens": .int(completion), "total_tokens": .int(prompt + completion)],
        ]
        return Response(GatewayResponse.json(answer))
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            return self.answer(Array(body.readableBytesView))
        }
        router.get("/_mock/stats") { _, _ -> Response in
            Response(GatewayResponse.json(["requests": .int(self.requests)]))
        }
        return router
    }

    /// The upstream as an application on `host:port` (`tollgate bench upstream`).
    public func application(host: String, port: Int, logger: Logger,
                            onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "tollgate-bench-upstream"),
                    onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// Runs the upstream in this process on a free loopback port until `stop()`.
    public func start(logger: Logger) async throws -> Running {
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let app = application(host: "127.0.0.1", port: 0, logger: logger) { port in portSink.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            throw WorkloadError(file: "bench upstream", line: 0, message: "did not start")
        }
        return Running(url: "http://127.0.0.1:\(port)", group: group, task: task)
    }

    /// An upstream running in this process.
    public struct Running: Sendable {
        /// `http://127.0.0.1:PORT` (append `/v1` for a provider's base URL).
        public let url: String
        let group: ServiceGroup
        let task: Task<Void, any Error>

        /// Shuts the server down and waits for it.
        public func stop() async {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
    }
}
