import Foundation
import TollgateBase
import TollgateHTTPClient

/// An Anthropic Messages API upstream: OpenAI chat requests are translated to `/messages`
/// and the answers back to `chat.completion` (system prompt, max_tokens default, tools,
/// stop reasons, usage).
public struct AnthropicProvider: ProviderClient {
    public let config: ProviderConfig
    let limits: GatewayConfig.Limits
    let curl: CurlClient

    /// Anthropic requires `max_tokens`; this is used when the client sets none.
    public static let defaultMaxTokens = 4096
    public static let apiVersion = "2023-06-01"

    public func complete(_ request: ChatRequest, model: ModelConfig) async throws(UpstreamFailure) -> UpstreamAnswer {
        let body = AnthropicProvider.upstreamBody(request, upstreamModel: model.upstream)
        var headers: [(String, String)] = [("anthropic-version", AnthropicProvider.apiVersion)]
        if let key = apiKey { headers.append(("x-api-key", key)) }
        let json: JSONValue
        do {
            json = try await post(body, url: config.chatURL, headers: headers, limits: limits, curl: curl)
        } catch {
            if case .client(let status, let raw) = error { throw .client(status: status, body: AnthropicProvider.translateError(raw)) }
            throw error
        }
        return try AnthropicProvider.translateResponse(json, requestedModel: request.model, provider: config.name)
    }

    public func stream(_ request: ChatRequest, model: ModelConfig) async throws(UpstreamFailure) -> ChunkSource {
        let body = AnthropicProvider.upstreamBody(request, upstreamModel: model.upstream).setting("stream", true)
        var headers: [(String, String)] = [("anthropic-version", AnthropicProvider.apiVersion)]
        if let key = apiKey { headers.append(("x-api-key", key)) }
        let name = config.name
        do {
            return try await openChunks(body, url: config.chatURL, headers: headers, limits: limits, curl: curl,
                                        decoder: AnthropicStreamDecoder(provider: name, requestedModel: request.model)) { json throws(UpstreamFailure) in
                try AnthropicProvider.translateResponse(json, requestedModel: request.model, provider: name)
            }
        } catch {
            if case .client(let status, let raw) = error { throw .client(status: status, body: AnthropicProvider.translateError(raw)) }
            throw error
        }
    }

    // MARK: Request

    static func text(of content: JSONValue?) -> String {
        switch content {
        case .string(let s)?: return s
        case .array(let parts)?: return parts.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined(separator: "\n")
        default: return ""
        }
    }

    static func contentBlocks(_ content: JSONValue?) -> [JSONValue] {
        switch content {
        case .string(let s)?: return s.isEmpty ? [] : [["type": "text", "text": .string(s)]]
        case .array(let parts)?:
            return parts.compactMap { part -> JSONValue? in
                switch part["type"]?.stringValue {
                case "text": return ["type": "text", "text": part["text"] ?? ""]
                case "image_url":
                    let url = part["image_url"]?["url"]?.stringValue ?? part["image_url"]?.stringValue ?? ""
                    if url.hasPrefix("data:"), let comma = url.firstIndex(of: ","), let semi = url.firstIndex(of: ";") {
                        let media = String(url[url.index(url.startIndex, offsetBy: 5)..<semi])
                        return ["type": "image", "source": ["type": "base64", "media_type": .string(media), "data": .string(String(url[url.index(after: comma)...]))]]
                    }
                    return ["type": "image", "source": ["type": "url", "url": .string(url)]]
                default: return nil
                }
            }
        default: return []
        }
    }

    /// The body sent upstream: a Messages request as the client sent it (with the provider's
    /// model id), anything else translated.
    static func upstreamBody(_ request: ChatRequest, upstreamModel: String) -> JSONValue {
        if let native = request.anthropicBody { return native.removing(["stream"]).setting("model", .string(upstreamModel)) }
        return translateRequest(request, upstreamModel: upstreamModel)
    }

    /// OpenAI chat request → Anthropic Messages request.
    public static func translateRequest(_ request: ChatRequest, upstreamModel: String) -> JSONValue {
        var system: [String] = []
        var turns: [(role: String, blocks: [JSONValue])] = []
        func append(_ role: String, _ blocks: [JSONValue]) {
            guard !blocks.isEmpty else { return }
            // Anthropic wants user and assistant turns to alternate: merge neighbours.
            if let last = turns.last, last.role == role { turns[turns.count - 1].blocks += blocks } else { turns.append((role, blocks)) }
        }
        for m in request.messages {
            switch m["role"]?.stringValue ?? "" {
            case "system", "developer": system.append(text(of: m["content"]))
            case "assistant":
                var blocks = contentBlocks(m["content"])
                for call in m["tool_calls"]?.arrayValue ?? [] {
                    let args = call["function"]?["arguments"]?.stringValue ?? "{}"
                    let input = (try? JSONValue.parse(args)).flatMap { $0.objectValue != nil ? $0 : nil } ?? .object([])
                    blocks.append(["type": "tool_use", "id": call["id"] ?? "", "name": call["function"]?["name"] ?? "", "input": input])
                }
                append("assistant", blocks)
            case "tool", "function":
                append("user", [["type": "tool_result", "tool_use_id": m["tool_call_id"] ?? m["name"] ?? "", "content": .string(text(of: m["content"]))]])
            default:
                append("user", contentBlocks(m["content"]))
            }
        }
        var body: [(String, JSONValue)] = [
            ("model", .string(upstreamModel)),
            ("max_tokens", .int(request.maxTokens ?? defaultMaxTokens)),
            ("messages", .array(turns.map { ["role": .string($0.role), "content": .array($0.blocks)] })),
        ]
        if !system.isEmpty { body.append(("system", .string(system.joined(separator: "\n\n")))) }
        if let t = request.body["temperature"]?.doubleValue { body.append(("temperature", .double(min(t, 1)))) }
        if let p = request.body["top_p"], !p.isNull { body.append(("top_p", p)) }
        switch request.body["stop"] {
        case .string(let s)?: body.append(("stop_sequences", [.string(s)]))
        case .array(let a)?: body.append(("stop_sequences", .array(a)))
        default: break
        }
        if let tools = request.body["tools"]?.arrayValue, !tools.isEmpty {
            body.append(("tools", .array(tools.map { tool in
                let f = tool["function"] ?? .object([])
                var t: [(String, JSONValue)] = [("name", f["name"] ?? ""), ("input_schema", f["parameters"] ?? ["type": "object", "properties": .object([])])]
                if let d = f["description"], !d.isNull { t.append(("description", d)) }
                return .object(t)
            })))
            switch request.body["tool_choice"] {
            case .string("required")?: body.append(("tool_choice", ["type": "any"]))
            case .string("none")?: body.append(("tool_choice", ["type": "none"]))
            case .object?:
                if let name = request.body["tool_choice"]?["function"]?["name"] { body.append(("tool_choice", ["type": "tool", "name": name])) }
            default: break
            }
        }
        if let user = request.body["user"]?.stringValue { body.append(("metadata", ["user_id": .string(user)])) }
        // response_format has no Messages field: the answer's shape is forced through a tool
        // whose input schema is the format's schema, and its input becomes the content.
        if let format = request.body["response_format"], let type = format["type"]?.stringValue, type == "json_object" || type == "json_schema" {
            let schema = type == "json_schema" ? (format["json_schema"]?["schema"] ?? ["type": "object"]) : ["type": "object"]
            let tool: JSONValue = ["name": .string(jsonToolName), "description": "Answer with a JSON value of this shape.", "input_schema": schema]
            var tools = body.first { $0.0 == "tools" }?.1.arrayValue ?? []
            tools.append(tool)
            body.removeAll { $0.0 == "tools" || $0.0 == "tool_choice" }
            body.append(("tools", .array(tools)))
            body.append(("tool_choice", ["type": "tool", "name": .string(jsonToolName)]))
        }
        return .object(body)
    }

    /// The tool through which a `response_format` is asked of an Anthropic model.
    package static let jsonToolName = "tollgate_json_answer"

    // MARK: Response

    package static func finishReason(_ stop: String?) -> String {
        switch stop {
        case "max_tokens": return "length"
        case "tool_use": return "tool_calls"
        case "refusal": return "content_filter"
        default: return "stop"  // end_turn, stop_sequence, pause_turn
        }
    }

    /// Anthropic message → OpenAI `chat.completion`. Throws when the message is incomplete.
    public static func translateResponse(_ json: JSONValue, requestedModel: String, provider: String) throws(UpstreamFailure) -> UpstreamAnswer {
        guard json["type"]?.stringValue == "message", let blocks = json["content"]?.arrayValue else {
            throw .badResponse("\(provider): the answer is not an Anthropic message")
        }
        guard let stop = json["stop_reason"]?.stringValue else { throw .badResponse("\(provider): the message has no stop_reason") }
        var text = ""
        var calls: [JSONValue] = []
        var jsonAnswer = false
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text": text += block["text"]?.stringValue ?? ""
            case "tool_use" where block["name"]?.stringValue == jsonToolName:
                text = (block["input"] ?? .object([])).jsonString
                jsonAnswer = true
            case "tool_use":
                calls.append(["id": block["id"] ?? "", "type": "function",
                              "function": ["name": block["name"] ?? "", "arguments": .string((block["input"] ?? .object([])).jsonString)]])
            default: break
            }
        }
        var message: [(String, JSONValue)] = [("role", "assistant"), ("content", text.isEmpty && !calls.isEmpty ? .null : .string(text))]
        if !calls.isEmpty { message.append(("tool_calls", .array(calls))) }
        message.append(("refusal", .null))
        let usage = AnthropicProvider.chatUsage(json["usage"])
        let input = usage["prompt_tokens"]?.countValue ?? 0
        let output = usage["completion_tokens"]?.countValue ?? 0
        let model = json["model"]?.stringValue ?? requestedModel
        let body: JSONValue = [
            "id": .string("chatcmpl-" + (json["id"]?.stringValue ?? UUID().uuidString)),
            "object": "chat.completion",
            "created": .int(Int(Date().timeIntervalSince1970)),
            "model": .string(model),
            "choices": [["index": 0, "message": .object(message), "logprobs": nil, "finish_reason": .string(jsonAnswer && calls.isEmpty && stop == "tool_use" ? "stop" : finishReason(stop))]],
            "usage": usage,
        ]
        return UpstreamAnswer(body: body, promptTokens: input, completionTokens: output, model: model)
    }

    /// Anthropic usage → chat usage: `prompt_tokens` counts every input token (Anthropic's
    /// `input_tokens` leaves out cache reads and writes), cache reads are `cached_tokens`, cache
    /// writes stay `cache_creation_input_tokens` (priced apart).
    package static func chatUsage(_ u: JSONValue?, output: Int? = nil) -> JSONValue {
        let plain = u?["input_tokens"]?.countValue ?? 0
        let read = u?["cache_read_input_tokens"]?.countValue ?? 0
        let write = u?["cache_creation_input_tokens"]?.countValue ?? 0
        let input = plain + read + write, out = output ?? u?["output_tokens"]?.countValue ?? 0
        var fields: [(String, JSONValue)] = [("prompt_tokens", .int(input)), ("completion_tokens", .int(out)), ("total_tokens", .int(input + out))]
        if read > 0 { fields.append(("prompt_tokens_details", ["cached_tokens": .int(read)])) }
        if write > 0 { fields.append(("cache_creation_input_tokens", .int(write))) }
        return .object(fields)
    }

    /// Anthropic error body → OpenAI error body (same message and type).
    package static func translateError(_ raw: [UInt8]) -> [UInt8] {
        let parsed = try? JSONValue.parse(raw)
        let message = parsed?["error"]?["message"]?.stringValue ?? String(decoding: raw.prefix(500), as: UTF8.self)
        let type = parsed?["error"]?["type"]?.stringValue ?? "invalid_request_error"
        let error: JSONValue = ["message": .string(message), "type": .string(type), "param": nil, "code": nil]
        return JSONValue.object([("error", error)]).jsonBytes
    }
}
