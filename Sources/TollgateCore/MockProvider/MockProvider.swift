import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A deterministic fake upstream for tests, demos and benchmarks (`tollgate mock-provider`).
///
/// The answer text is a pure function of the request: the same request always gets the same
/// answer. Usage numbers are realistic (≈ 4 bytes a token). It can add latency and fail on
/// purpose. `GET /_mock/stats` returns `{"requests": N}`: the chat calls it received.
public struct MockProvider: Sendable {
    /// The wire format the mock speaks.
    public enum Flavor: String, Sendable, CaseIterable {
        case openai, anthropic
    }

    /// Behaviour switches, as on the command line.
    public struct Options: Sendable {
        public var flavor = Flavor.openai
        public var latencyMs = 0
        /// Status to fail with (e.g. 500, 429). With `failFirst` nil every request fails.
        public var failStatus: Int?
        /// Fail only the first N requests.
        public var failFirst: Int?
        public init() {}
    }

    public let options: Options
    let counter = Counter()

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    public init(options: Options) { self.options = options }

    /// Upstream calls received so far.
    public var requests: Int { counter.value.load(ordering: .relaxed) }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let path = options.flavor == .openai ? "/v1/chat/completions" : "/v1/messages"
        router.post(RouterPath(stringLiteral: path)) { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            return await self.answer(body: Array(body.readableBytesView))
        }
        router.get("/_mock/stats") { _, _ -> Response in
            Response(.json(["requests": .int(self.requests)]))
        }
        router.get("/v1/models") { _, _ -> Response in
            Response(.json(["object": "list", "data": [["id": "mock", "object": "model", "created": 0, "owned_by": "mock"]]]))
        }
        return router
    }

    func answer(body: [UInt8]) async -> Response {
        let n = counter.value.wrappingAdd(1, ordering: .relaxed).newValue
        if options.latencyMs > 0 { try? await Task.sleep(for: .milliseconds(options.latencyMs)) }
        if let status = options.failStatus, n <= (options.failFirst ?? .max) {
            var headers: HTTPFields = [.contentType: "application/json"]
            if status == 429 { headers[.retryAfter] = "1" }
            let error: JSONValue = ["error": ["message": .string("mock failure \(n) (--fail-status \(status))"), "type": "mock_error", "param": nil, "code": nil]]
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: error.jsonBytes)))
        }
        guard let json = try? JSONValue.parse(body), case .object = json else {
            return Response(GatewayResponse.error(.invalidRequest("mock: body is not a JSON object")))
        }
        switch options.flavor {
        case .openai: return Response(.json(MockProvider.openAIAnswer(json)))
        case .anthropic:
            if let problem = MockProvider.anthropicProblem(json) {
                let error: JSONValue = ["type": "error", "error": ["type": "invalid_request_error", "message": .string(problem)]]
                return Response(status: .badRequest, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: error.jsonBytes)))
            }
            return Response(.json(MockProvider.anthropicAnswer(json)))
        }
    }

    // MARK: Deterministic answers

    /// A short hex digest of the request (without `stream`), the seed of the answer.
    static func digest(_ json: JSONValue) -> String {
        let bytes = json.removing(["stream", "stream_options"]).canonicalBytes
        return SHA256.hash(data: bytes).prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    static func lastUserText(_ messages: [JSONValue]) -> String {
        guard let m = messages.last(where: { $0["role"]?.stringValue == "user" }) else { return "" }
        switch m["content"] {
        case .string(let s)?: return s
        case .array(let parts)?: return parts.compactMap { $0["text"]?.stringValue }.joined(separator: " ")
        default: return ""
        }
    }

    static func answerText(digest: String, prompt: String) -> String {
        let echo = prompt.count > 120 ? String(prompt.prefix(120)) + "…" : prompt
        return "Mock answer \(digest) to: \(echo)"
    }

    static func tokens(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }

    static func openAIAnswer(_ json: JSONValue) -> JSONValue {
        let digest = digest(json)
        let messages = json["messages"]?.arrayValue ?? []
        let prompt = lastUserText(messages)
        let promptTokens = messages.reduce(0) { $0 + tokens(($1["content"] ?? "").jsonString) + 4 }
        let tools = json["tools"]?.arrayValue ?? []
        let wantsTool = !tools.isEmpty && json["tool_choice"]?.stringValue != "none" && messages.last?["role"]?.stringValue == "user"
        var message: [(String, JSONValue)] = [("role", "assistant")]
        let completion: Int
        let finish: String
        if wantsTool, let name = tools[0]["function"]?["name"] {
            let args: JSONValue = ["input": .string(prompt)]
            message.append(("content", nil))
            message.append(("tool_calls", [["id": .string("call_\(digest)"), "type": "function", "function": ["name": name, "arguments": .string(args.jsonString)]]]))
            completion = tokens(args.jsonString) + 8
            finish = "tool_calls"
        } else {
            let text = answerText(digest: digest, prompt: prompt)
            message.append(("content", .string(text)))
            completion = tokens(text)
            finish = "stop"
        }
        message.append(("refusal", nil))
        return [
            "id": .string("chatcmpl-mock-\(digest)"),
            "object": "chat.completion",
            "created": .int(Int(Date().timeIntervalSince1970)),
            "model": json["model"] ?? "mock",
            "choices": [["index": 0, "message": .object(message), "logprobs": nil, "finish_reason": .string(finish)]],
            "usage": ["prompt_tokens": .int(promptTokens), "completion_tokens": .int(completion), "total_tokens": .int(promptTokens + completion)],
            "system_fingerprint": "mock",
        ]
    }

    /// What a real Messages API would reject: the things a translation most easily gets wrong.
    static func anthropicProblem(_ json: JSONValue) -> String? {
        guard json["max_tokens"]?.intValue != nil else { return "max_tokens: Field required" }
        guard let messages = json["messages"]?.arrayValue, !messages.isEmpty else { return "messages: Field required" }
        for (i, m) in messages.enumerated() {
            let role = m["role"]?.stringValue ?? ""
            if role != "user" && role != "assistant" {
                return "messages.\(i).role: Input should be 'user' or 'assistant' (system prompts go in the top-level `system` field)"
            }
        }
        return nil
    }

    static func anthropicAnswer(_ json: JSONValue) -> JSONValue {
        let digest = digest(json)
        let messages = json["messages"]?.arrayValue ?? []
        let prompt: String = {
            guard let last = messages.last(where: { $0["role"]?.stringValue == "user" }) else { return "" }
            if let s = last["content"]?.stringValue { return s }
            return (last["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: " ")
        }()
        let text = answerText(digest: digest, prompt: prompt)
        let input = messages.reduce(tokens(json["system"]?.stringValue ?? "")) { $0 + tokens(($1["content"] ?? "").jsonString) + 4 }
        return [
            "id": .string("msg_mock_\(digest)"),
            "type": "message",
            "role": "assistant",
            "model": json["model"] ?? "mock",
            "content": [["type": "text", "text": .string(text)]],
            "stop_reason": "end_turn",
            "stop_sequence": nil,
            "usage": ["input_tokens": .int(input), "output_tokens": .int(tokens(text))],
        ]
    }

    /// Builds the mock's application on `host:port`.
    public func application(host: String, port: Int, logger: Logger,
                            onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "tollgate-mock"),
                    onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
