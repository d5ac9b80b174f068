import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TollgateBase
import TollgateSemantic

/// A deterministic fake upstream for tests, demos and benchmarks (`tollgate mock-provider`).
///
/// The answer text is a pure function of the request: the same request always gets the same
/// answer. Usage numbers are realistic (≈ 4 bytes a token). It can add latency and fail on
/// purpose. `GET /_mock/stats` returns `{"requests": N, "last_traceparent": …}`: the chat calls it
/// received and the W3C trace context the last one carried (to check propagation).
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
        /// Delay between streamed events, in milliseconds.
        public var chunkDelayMs = 0
        /// Cut streams (close the connection without finishing) after N events.
        public var cutStreamAfter: Int?
        /// Answer every call with this status and an error that echoes the key it was sent
        /// (`Incorrect API key provided: Bearer sk-…`), as real providers do.
        public var echoKeyWithStatus: Int?
        /// Pad every text answer to at least this many bytes (words of 1,000 bytes), for tests
        /// that need a large answer.
        public var answerBytes = 0
        public init() {}
    }

    public let options: Options
    let counter = Counter()

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
        let openStreams = Atomic<Int>(0)
        let lastTraceparent = Mutex<String?>(nil)
    }

    public init(options: Options) { self.options = options }

    /// Upstream calls received so far.
    public var requests: Int { counter.value.load(ordering: .relaxed) }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let path = options.flavor == .openai ? "/v1/chat/completions" : "/v1/messages"
        router.post(RouterPath(stringLiteral: path)) { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            if let traceparent = request.headers[HTTPField.Name("traceparent")!] { self.counter.lastTraceparent.withLock { $0 = traceparent } }
            if let status = self.options.echoKeyWithStatus { return MockProvider.echoKey(request.headers, status: status) }
            return await self.answer(body: Array(body.readableBytesView))
        }
        router.post("/v1/embeddings") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            if let status = self.options.echoKeyWithStatus { return MockProvider.echoKey(request.headers, status: status) }
            return MockProvider.embeddings(Array(body.readableBytesView))
        }
        router.get("/_mock/stats") { _, _ -> Response in
            Response(.json(["requests": .int(self.requests), "streams_open": .int(self.counter.openStreams.load(ordering: .relaxed)),
                            "last_traceparent": self.counter.lastTraceparent.withLock { $0.map(JSONValue.string) } ?? .null]))
        }
        router.get("/v1/models") { _, _ -> Response in
            Response(.json(["object": "list", "data": [["id": "mock", "object": "model", "created": 0, "owned_by": "mock"]]]))
        }
        return router
    }

    /// An error answer quoting the caller's `Authorization` and `x-api-key` headers.
    static func echoKey(_ headers: HTTPFields, status: Int) -> Response {
        let auth = headers[.authorization] ?? "(none)"
        let apiKey = headers[HTTPField.Name("x-api-key")!] ?? "(none)"
        let message = "Incorrect API key provided: \(auth). x-api-key: \(apiKey). You can find your API key at https://example.invalid/keys."
        let error: JSONValue = ["error": ["message": .string(message), "type": "invalid_request_error", "param": nil, "code": "invalid_api_key"]]
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: error.jsonBytes)))
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
        let stream = json["stream"]?.boolValue ?? false
        switch options.flavor {
        case .openai:
            let answer = MockProvider.openAIAnswer(json, padTo: options.answerBytes)
            guard stream else { return Response(.json(answer)) }
            let includeUsage = json["stream_options"]?["include_usage"]?.boolValue ?? false
            return streamed(Replay.chunks(of: answer, includeUsage: includeUsage, wordsPerChunk: 1).map { SSE.data($0) } + [SSE.done])
        case .anthropic:
            if let problem = MockProvider.anthropicProblem(json) {
                let error: JSONValue = ["type": "error", "error": ["type": "invalid_request_error", "message": .string(problem)]]
                return Response(status: .badRequest, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: error.jsonBytes)))
            }
            let answer = MockProvider.anthropicAnswer(json, padTo: options.answerBytes)
            guard stream else { return Response(.json(answer)) }
            return streamed(MockProvider.anthropicEvents(answer))
        }
    }

    /// Sends events one by one, with the configured delay, cutting the stream if asked.
    func streamed(_ events: [ByteBuffer]) -> Response {
        let delay = options.chunkDelayMs
        let cutAfter = options.cutStreamAfter
        let counter = self.counter
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody { writer in
            counter.openStreams.wrappingAdd(1, ordering: .relaxed)
            defer { counter.openStreams.wrappingSubtract(1, ordering: .relaxed) }
            for (i, event) in events.enumerated() {
                if let cutAfter, i == cutAfter { throw MockStreamCut() }
                if delay > 0, i > 0 { try await Task.sleep(for: .milliseconds(delay)) }
                try await writer.write(event)
            }
            try await writer.finish(nil)
        })
    }

    struct MockStreamCut: Error {}

    /// An Anthropic message as the Messages API streams it.
    static func anthropicEvents(_ message: JSONValue) -> [ByteBuffer] {
        func event(_ name: String, _ data: JSONValue) -> ByteBuffer {
            var b = ByteBuffer(string: "event: \(name)\ndata: ")
            b.writeBytes(data.jsonBytes)
            b.writeString("\n\n")
            return b
        }
        let usage = message["usage"] ?? .object([])
        let start = message.setting("content", []).setting("stop_reason", nil).setting("usage", ["input_tokens": usage["input_tokens"] ?? 0, "output_tokens": 1])
        var events = [event("message_start", ["type": "message_start", "message": start]), event("ping", ["type": "ping"])]
        for (i, block) in (message["content"]?.arrayValue ?? []).enumerated() {
            let index = JSONValue.int(i)
            if block["type"]?.stringValue == "tool_use" {
                events.append(event("content_block_start", ["type": "content_block_start", "index": index, "content_block": block.setting("input", .object([]))]))
                events.append(event("content_block_delta", ["type": "content_block_delta", "index": index,
                                                            "delta": ["type": "input_json_delta", "partial_json": .string((block["input"] ?? .object([])).jsonString)]]))
            } else {
                events.append(event("content_block_start", ["type": "content_block_start", "index": index, "content_block": ["type": "text", "text": ""]]))
                for piece in Replay.split(block["text"]?.stringValue ?? "", wordsPerChunk: 1) {
                    events.append(event("content_block_delta", ["type": "content_block_delta", "index": index, "delta": ["type": "text_delta", "text": .string(piece)]]))
                }
            }
            events.append(event("content_block_stop", ["type": "content_block_stop", "index": index]))
        }
        events.append(event("message_delta", ["type": "message_delta", "delta": ["stop_reason": message["stop_reason"] ?? "end_turn", "stop_sequence": nil],
                                              "usage": ["output_tokens": usage["output_tokens"] ?? 0]]))
        events.append(event("message_stop", ["type": "message_stop"]))
        return events
    }

    // MARK: Deterministic answers

    /// A short hex digest of the request (without `stream`), the seed of the answer.
    static func digest(_ json: JSONValue) -> String {
        let bytes = json.removing(["stream", "stream_options"]).canonicalBytes
        return Hex.encode(SHA256.hash(data: bytes).prefix(6))
    }

    package static func lastUserText(_ messages: [JSONValue]) -> String {
        guard let m = messages.last(where: { $0["role"]?.stringValue == "user" }) else { return "" }
        switch m["content"] {
        case .string(let s)?: return s
        case .array(let parts)?: return parts.compactMap { $0["text"]?.stringValue }.joined(separator: " ")
        default: return ""
        }
    }

    static func answerText(digest: String, prompt: String, padTo: Int = 0) -> String {
        let echo = prompt.count > 120 ? String(prompt.prefix(120)) + "…" : prompt
        var text = "Mock answer \(digest) to: \(echo)"
        if text.utf8.count < padTo {
            let word = " " + String(repeating: "x", count: 999)
            text += String(repeating: word, count: (padTo - text.utf8.count + 999) / 1000)
        }
        return text
    }

    static func tokens(_ text: String) -> Int { Tokens.estimate(text) }

    static func openAIAnswer(_ json: JSONValue, padTo: Int = 0) -> JSONValue {
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
            var text = answerText(digest: digest, prompt: prompt, padTo: padTo)
            // Structured output: a JSON answer, one that fits the schema when there is one.
            switch json["response_format"]?["type"]?.stringValue {
            case "json_schema"?: text = schemaInstance(json["response_format"]?["json_schema"]?["schema"] ?? .object([]), text: text).jsonString
            case "json_object"?: text = JSONValue.object([("answer", .string(text))]).jsonString
            default: break
            }
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

    /// A deterministic value that fits a JSON schema's types (objects with their required and
    /// listed properties, arrays of one item, enums' first value); strings carry `text`.
    static func schemaInstance(_ schema: JSONValue, text: String, depth: Int = 0) -> JSONValue {
        if let options = schema["enum"]?.arrayValue, let first = options.first { return first }
        if let options = (schema["anyOf"] ?? schema["oneOf"])?.arrayValue, let first = options.first { return schemaInstance(first, text: text, depth: depth + 1) }
        let type = schema["type"]?.stringValue ?? schema["type"]?.arrayValue?.first?.stringValue ?? (schema["properties"] != nil ? "object" : "string")
        guard depth < 8 else { return .null }
        switch type {
        case "object":
            return .object((schema["properties"]?.objectValue ?? []).map { ($0.0, schemaInstance($0.1, text: text, depth: depth + 1)) })
        case "array": return [schemaInstance(schema["items"] ?? .object([]), text: text, depth: depth + 1)]
        case "integer": return .int(text.utf8.count)
        case "number": return .double(Double(text.utf8.count) / 2)
        case "boolean": return true
        case "null": return .null
        default: return .string(text)
        }
    }

    /// Deterministic embeddings: 64-dimension character n-gram hashes of each input.
    static func embeddings(_ body: [UInt8]) -> Response {
        guard let json = try? JSONValue.parse(body), let input = json["input"] else {
            return Response(GatewayResponse.error(.invalidRequest("mock: expected {model, input}", param: "input")))
        }
        let texts = input.stringValue.map { [$0] } ?? (input.arrayValue ?? []).compactMap(\.stringValue)
        let embedder = HashingEmbedder(dimension: 64)
        let data: [JSONValue] = texts.enumerated().map { i, t in
            let v = (try? embedder.embed(t)) ?? []
            return ["object": "embedding", "index": .int(i), "embedding": .array(v.map { .number("\($0)") })]
        }
        let count = texts.reduce(0) { $0 + Tokens.estimate($1) }
        return Response(.json(["object": "list", "data": .array(data), "model": json["model"] ?? "mock",
                               "usage": ["prompt_tokens": .int(count), "total_tokens": .int(count)]]))
    }

    /// What a real Messages API would reject: the things a translation most easily gets wrong.
    static func anthropicProblem(_ json: JSONValue) -> String? {
        guard json["max_tokens"]?.countValue != nil else { return "max_tokens: Field required" }
        guard let messages = json["messages"]?.arrayValue, !messages.isEmpty else { return "messages: Field required" }
        for (i, m) in messages.enumerated() {
            let role = m["role"]?.stringValue ?? ""
            if role != "user" && role != "assistant" {
                return "messages.\(i).role: Input should be 'user' or 'assistant' (system prompts go in the top-level `system` field)"
            }
        }
        return nil
    }

    static func anthropicAnswer(_ json: JSONValue, padTo: Int = 0) -> JSONValue {
        let digest = digest(json)
        let messages = json["messages"]?.arrayValue ?? []
        let prompt: String = {
            guard let last = messages.last(where: { $0["role"]?.stringValue == "user" }) else { return "" }
            if let s = last["content"]?.stringValue { return s }
            return (last["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: " ")
        }()
        let text = answerText(digest: digest, prompt: prompt, padTo: padTo)
        let input = messages.reduce(tokens(json["system"]?.jsonString ?? "")) { $0 + tokens(($1["content"] ?? "").jsonString) + 4 }
        // A tool is called when tools are offered and the last user turn is not a tool result.
        let lastBlocks = messages.last?["content"]?.arrayValue ?? []
        let answersTool = lastBlocks.contains { $0["type"]?.stringValue == "tool_result" }
        let tools = json["tools"]?.arrayValue ?? []
        var content: JSONValue = [["type": "text", "text": .string(text)]]
        var stop = "end_turn"
        if let forced = json["tool_choice"]?["name"]?.stringValue, let tool = tools.first(where: { $0["name"]?.stringValue == forced }) {
            // A forced tool (how structured output is asked of Messages): input that fits its schema.
            content = [["type": "tool_use", "id": .string("toolu_\(digest)"), "name": .string(forced), "input": schemaInstance(tool["input_schema"] ?? .object([]), text: text)]]
            stop = "tool_use"
        } else if let name = tools.first?["name"], !answersTool, json["tool_choice"]?["type"]?.stringValue != "none" {
            content = [["type": "tool_use", "id": .string("toolu_\(digest)"), "name": name, "input": ["input": .string(prompt)]]]
            stop = "tool_use"
        }
        return [
            "id": .string("msg_mock_\(digest)"),
            "type": "message",
            "role": "assistant",
            "model": json["model"] ?? "mock",
            "content": content,
            "stop_reason": .string(stop),
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
