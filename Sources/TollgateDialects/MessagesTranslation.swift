import Foundation
import TollgateBase
import TollgateExactCache

/// Anthropic Messages ⇄ the internal chat form: request validation and translation, and the
/// `message` object rendered from a `chat.completion`.
enum MessagesTranslation {
    static func invalid(_ field: String, _ message: String) -> GatewayError {
        .invalidRequest("\(field): \(message)", param: field, code: "invalid_request_error")
    }

    // MARK: Request

    /// A Messages body → the equivalent chat completions body. Throws a 400 naming the field.
    static func chatBody(_ json: JSONValue) throws(GatewayError) -> JSONValue {
        guard case .object = json else { throw .invalidRequest("The request body must be a JSON object.", code: "invalid_json") }
        guard let model = json["model"]?.stringValue, !model.isEmpty else { throw invalid("model", "Field required (a non-empty string)") }
        guard let maxTokens = json["max_tokens"], !maxTokens.isNull else { throw invalid("max_tokens", "Field required") }
        guard let max = maxTokens.intValue, (1...ChatRequest.maxTokensRange.upperBound).contains(max) else {
            throw invalid("max_tokens", "Input should be an integer from 1 to \(ChatRequest.maxTokensRange.upperBound)")
        }
        guard let messages = json["messages"]?.arrayValue else { throw invalid("messages", "Field required (an array)") }
        guard !messages.isEmpty else { throw invalid("messages", "at least one message is required") }

        var out: [JSONValue] = []
        if let system = json["system"], !system.isNull {
            switch system {
            case .string(let s): out.append(["role": "system", "content": .string(s)])
            case .array(let blocks):
                var texts: [String] = []
                for (i, b) in blocks.enumerated() {
                    guard b["type"]?.stringValue == "text", let t = b["text"]?.stringValue else { throw invalid("system.\(i)", "system blocks must be text blocks with a string `text`") }
                    texts.append(t)
                }
                out.append(["role": "system", "content": .string(texts.joined(separator: "\n"))])
            default: throw invalid("system", "Input should be a string or a list of text blocks")
            }
        }
        for (i, m) in messages.enumerated() {
            guard case .object = m else { throw invalid("messages.\(i)", "Input should be an object") }
            let role = m["role"]?.stringValue
            guard role == "user" || role == "assistant" else { throw invalid("messages.\(i).role", "Input should be 'user' or 'assistant'") }
            out += try turn(m["content"], role: role!, field: "messages.\(i).content")
        }

        var body: [(String, JSONValue)] = [("model", .string(model)), ("messages", .array(out)), ("max_tokens", .int(max))]
        func number(_ key: String, _ range: ClosedRange<Double>) throws(GatewayError) {
            guard let v = json[key], !v.isNull else { return }
            guard let d = v.doubleValue, range.contains(d) else { throw invalid(key, "Input should be a number from \(range.lowerBound) to \(range.upperBound)") }
            body.append((key, v))
        }
        try number("temperature", 0...1)
        try number("top_p", 0...1)
        if let k = json["top_k"], !k.isNull {
            guard let v = k.intValue, v >= 0, v <= 1_000_000 else { throw invalid("top_k", "Input should be a non-negative integer") }
            body.append(("top_k", .int(v)))
        }
        if let stops = json["stop_sequences"], !stops.isNull {
            guard let list = stops.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else { throw invalid("stop_sequences", "Input should be a list of strings") }
            if !list.isEmpty { body.append(("stop", .array(list))) }
        }
        if let s = json["stream"], !s.isNull {
            guard let b = s.boolValue else { throw invalid("stream", "Input should be a boolean") }
            if b { body.append(("stream", true)) }
        }
        if let metadata = json["metadata"], !metadata.isNull {
            guard case .object = metadata else { throw invalid("metadata", "Input should be an object") }
            if let user = metadata["user_id"]?.stringValue { body.append(("user", .string(user))) }
        }
        if let tools = json["tools"], !tools.isNull {
            guard let list = tools.arrayValue else { throw invalid("tools", "Input should be a list") }
            var translated: [JSONValue] = []
            for (i, t) in list.enumerated() {
                guard let name = t["name"]?.stringValue, !name.isEmpty else { throw invalid("tools.\(i).name", "Field required") }
                if let type = t["type"]?.stringValue, type != "custom" {
                    throw invalid("tools.\(i).type", "server tools (`\(type)`) are not supported by this gateway; declare a client tool with `input_schema`")
                }
                guard let schema = t["input_schema"], case .object = schema else { throw invalid("tools.\(i).input_schema", "Field required (a JSON schema object)") }
                var f: [(String, JSONValue)] = [("name", .string(name))]
                if let d = t["description"], !d.isNull { f.append(("description", d)) }
                f.append(("parameters", schema))
                translated.append(["type": "function", "function": .object(f)])
            }
            if !translated.isEmpty { body.append(("tools", .array(translated))) }
        }
        if let choice = json["tool_choice"], !choice.isNull {
            switch choice["type"]?.stringValue {
            case "auto"?: body.append(("tool_choice", "auto"))
            case "any"?: body.append(("tool_choice", "required"))
            case "none"?: body.append(("tool_choice", "none"))
            case "tool"?:
                guard let name = choice["name"]?.stringValue else { throw invalid("tool_choice.name", "Field required") }
                body.append(("tool_choice", ["type": "function", "function": ["name": .string(name)]]))
            default: throw invalid("tool_choice.type", "Input should be 'auto', 'any', 'tool' or 'none'")
            }
            if choice["disable_parallel_tool_use"]?.boolValue == true { body.append(("parallel_tool_calls", false)) }
        }
        // Extended thinking changes the answer: it is part of the request (and of its key).
        if let thinking = json["thinking"], !thinking.isNull {
            guard case .object = thinking, let type = thinking["type"]?.stringValue, type == "enabled" || type == "disabled" else {
                throw invalid("thinking.type", "Input should be 'enabled' or 'disabled'")
            }
            body.append(("thinking", thinking))
        }
        return .object(body)
    }

    /// One Messages turn → chat messages (tool results become `tool` messages before the user's text).
    static func turn(_ content: JSONValue?, role: String, field: String) throws(GatewayError) -> [JSONValue] {
        switch content {
        case .string(let s)?: return [["role": .string(role), "content": .string(s)]]
        case .array(let blocks)?:
            var parts: [JSONValue] = []
            var calls: [JSONValue] = []
            var results: [JSONValue] = []
            for (j, b) in blocks.enumerated() {
                let f = "\(field).\(j)"
                switch b["type"]?.stringValue {
                case "text"?:
                    guard let t = b["text"]?.stringValue else { throw invalid("\(f).text", "Field required (a string)") }
                    parts.append(["type": "text", "text": .string(t)])
                case "image"?:
                    guard role == "user" else { throw invalid("\(f).type", "images are only allowed in user turns") }
                    let source = b["source"] ?? .null
                    switch source["type"]?.stringValue {
                    case "base64"?:
                        guard let media = source["media_type"]?.stringValue, let data = source["data"]?.stringValue else { throw invalid("\(f).source", "media_type and data are required") }
                        parts.append(["type": "image_url", "image_url": ["url": .string("data:\(media);base64,\(data)")]])
                    case "url"?:
                        guard let url = source["url"]?.stringValue else { throw invalid("\(f).source.url", "Field required") }
                        parts.append(["type": "image_url", "image_url": ["url": .string(url)]])
                    default: throw invalid("\(f).source.type", "Input should be 'base64' or 'url'")
                    }
                case "tool_use"?:
                    guard role == "assistant" else { throw invalid("\(f).type", "tool_use blocks are only allowed in assistant turns") }
                    guard let id = b["id"]?.stringValue, let name = b["name"]?.stringValue else { throw invalid(f, "tool_use blocks need `id` and `name`") }
                    calls.append(["id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": .string((b["input"] ?? .object([])).jsonString)]])
                case "tool_result"?:
                    guard role == "user" else { throw invalid("\(f).type", "tool_result blocks are only allowed in user turns") }
                    guard let id = b["tool_use_id"]?.stringValue else { throw invalid("\(f).tool_use_id", "Field required") }
                    results.append(["role": "tool", "tool_call_id": .string(id), "content": .string(try resultText(b["content"], field: "\(f).content"))])
                case "thinking"?, "redacted_thinking"?:
                    continue  // kept in the original body for Anthropic upstreams; not part of the chat form
                case "document"?:
                    throw invalid("\(f).type", "document blocks are not supported by this gateway yet")
                default:
                    throw invalid("\(f).type", "Input should be 'text', 'image', 'tool_use', 'tool_result' or 'thinking'")
                }
            }
            var out = results
            if role == "assistant" {
                let text = parts.compactMap { $0["text"]?.stringValue }.joined()
                var m: [(String, JSONValue)] = [("role", "assistant"), ("content", text.isEmpty && !calls.isEmpty ? .null : .string(text))]
                if !calls.isEmpty { m.append(("tool_calls", .array(calls))) }
                out.append(.object(m))
            } else if !parts.isEmpty {
                // One text block is the same request as a string: one cache entry for both spellings.
                if parts.count == 1, let t = parts[0]["text"]?.stringValue {
                    out.append(["role": "user", "content": .string(t)])
                } else {
                    out.append(["role": "user", "content": .array(parts)])
                }
            }
            if out.isEmpty { throw invalid(field, "a turn needs at least one content block") }
            return out
        default:
            throw invalid(field, "Input should be a string or a list of content blocks")
        }
    }

    static func resultText(_ content: JSONValue?, field: String) throws(GatewayError) -> String {
        switch content {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .array(let blocks)?: return blocks.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined(separator: "\n")
        default: throw invalid(field, "Input should be a string or a list of blocks")
        }
    }

    // MARK: Answer

    static func stopReason(_ finish: String?) -> String {
        switch finish {
        case "length": return "max_tokens"
        case "tool_calls", "function_call": return "tool_use"
        case "content_filter": return "refusal"
        default: return "end_turn"
        }
    }

    /// The Messages `id` for a completion id (stable: a hit says the same id as its miss).
    static func messageID(_ completion: JSONValue) -> String {
        let id = completion["id"]?.stringValue ?? UUID().uuidString
        return id.hasPrefix("msg_") ? id : "msg_" + id.replacingOccurrences(of: "chatcmpl-", with: "")
    }

    /// The content blocks of the first choice: text, then tool calls.
    static func blocks(_ message: JSONValue) -> [JSONValue] {
        var blocks: [JSONValue] = []
        if let text = message["content"]?.stringValue, !text.isEmpty { blocks.append(["type": "text", "text": .string(text)]) }
        for call in message["tool_calls"]?.arrayValue ?? [] {
            let args = call["function"]?["arguments"]?.stringValue ?? "{}"
            let input = (try? JSONValue.parse(args)).flatMap { $0.objectValue != nil ? $0 : nil } ?? .object([])
            blocks.append(["type": "tool_use", "id": call["id"] ?? .string("toolu_" + UUID().uuidString), "name": call["function"]?["name"] ?? "", "input": input])
        }
        return blocks
    }

    static func usage(_ completion: JSONValue) -> JSONValue {
        let u = completion["usage"]
        let t = TokenUsage(chat: u)
        return ["input_tokens": .int(max(0, t.promptTokens - t.cachedTokens - t.cacheWriteTokens)), "output_tokens": .int(t.completionTokens),
                "cache_creation_input_tokens": .int(t.cacheWriteTokens), "cache_read_input_tokens": .int(t.cachedTokens)]
    }

    /// A `chat.completion` → an Anthropic `message`.
    static func message(from completion: JSONValue) -> JSONValue {
        let choice = completion["choices"]?.arrayValue?.first ?? .object([])
        let message = choice["message"] ?? .object([])
        return ["id": .string(messageID(completion)), "type": "message", "role": "assistant", "model": completion["model"] ?? "",
                "content": .array(blocks(message)), "stop_reason": .string(stopReason(choice["finish_reason"]?.stringValue)),
                "stop_sequence": nil, "usage": usage(completion)]
    }
}
