import Foundation
import TollgateBase
import TollgateExactCache

/// OpenAI Responses ⇄ the internal chat form: request validation and translation, and the
/// `response` object built from a `chat.completion`.
enum ResponsesTranslation {
    static func invalid(_ param: String, _ message: String, code: String = "invalid_value") -> GatewayError {
        .invalidRequest(message, param: param, code: code)
    }

    // MARK: Request

    /// A Responses body (with the stored conversation of `previous_response_id`, if any) → a
    /// chat completions body, and how many leading messages came from `instructions`.
    static func chatBody(_ json: JSONValue, history: [JSONValue]) throws(GatewayError) -> (JSONValue, instructions: Int) {
        guard case .object = json else { throw .invalidRequest("The request body must be a JSON object.", code: "invalid_json") }
        guard let model = json["model"], !model.isNull else { throw invalid("model", "Missing required parameter: 'model'.", code: "missing_required_parameter") }
        guard let name = model.stringValue, !name.isEmpty else { throw invalid("model", "Invalid type for 'model': expected a non-empty string.", code: "invalid_type") }

        var messages: [JSONValue] = []
        var instructions = 0
        if let i = json["instructions"], !i.isNull {
            guard let text = i.stringValue else { throw invalid("instructions", "Invalid type for 'instructions': expected a string.", code: "invalid_type") }
            messages.append(["role": "developer", "content": .string(text)])
            instructions = 1
        }
        messages += history
        switch json["input"] {
        case .string(let s)?: messages.append(["role": "user", "content": .string(s)])
        case .array(let items)?:
            for (i, item) in items.enumerated() { try append(item, to: &messages, param: "input[\(i)]") }
        case nil, .null?: throw invalid("input", "Missing required parameter: 'input'.", code: "missing_required_parameter")
        default: throw invalid("input", "Invalid type for 'input': expected a string or an array of input items.", code: "invalid_type")
        }
        guard messages.count > instructions else { throw invalid("input", "'input' must contain at least one item.", code: "empty_array") }

        var body: [(String, JSONValue)] = [("model", .string(name)), ("messages", .array(messages))]
        if let m = json["max_output_tokens"], !m.isNull {
            guard let v = m.intValue, ChatRequest.maxTokensRange.contains(v) else {
                throw invalid("max_output_tokens", "Invalid 'max_output_tokens': expected an integer from 1 to \(ChatRequest.maxTokensRange.upperBound).")
            }
            body.append(("max_tokens", .int(v)))
        }
        for key in ["temperature", "top_p", "user", "parallel_tool_calls", "stream", "seed", "top_logprobs"] {
            if let v = json[key], !v.isNull { body.append((key, v)) }
        }
        if let effort = json["reasoning"]?["effort"], !effort.isNull { body.append(("reasoning_effort", effort)) }
        if let tools = json["tools"], !tools.isNull {
            guard let list = tools.arrayValue else { throw invalid("tools", "Invalid type for 'tools': expected an array.", code: "invalid_type") }
            var translated: [JSONValue] = []
            for (i, t) in list.enumerated() {
                guard t["type"]?.stringValue == "function" else {
                    throw invalid("tools[\(i)].type", "Only function tools are supported by this gateway; `\(t["type"]?.stringValue ?? "?")` is a hosted tool.")
                }
                guard let fname = t["name"]?.stringValue, !fname.isEmpty else { throw invalid("tools[\(i)].name", "Missing required parameter: 'tools[\(i)].name'.", code: "missing_required_parameter") }
                var f: [(String, JSONValue)] = [("name", .string(fname))]
                for k in ["description", "parameters", "strict"] { if let v = t[k], !v.isNull { f.append((k, v)) } }
                translated.append(["type": "function", "function": .object(f)])
            }
            if !translated.isEmpty { body.append(("tools", .array(translated))) }
        }
        if let choice = json["tool_choice"], !choice.isNull {
            switch choice {
            case .string: body.append(("tool_choice", choice))
            case .object where choice["type"]?.stringValue == "function":
                guard let n = choice["name"]?.stringValue else { throw invalid("tool_choice.name", "Missing required parameter: 'tool_choice.name'.", code: "missing_required_parameter") }
                body.append(("tool_choice", ["type": "function", "function": ["name": .string(n)]]))
            default: throw invalid("tool_choice", "Invalid 'tool_choice': expected 'none', 'auto', 'required' or a function.")
            }
        }
        if let format = json["text"]?["format"], !format.isNull {
            switch format["type"]?.stringValue {
            case "text"?: break
            case "json_object"?: body.append(("response_format", ["type": "json_object"]))
            case "json_schema"?:
                guard let schemaName = format["name"]?.stringValue, let schema = format["schema"] else {
                    throw invalid("text.format", "A json_schema format needs 'name' and 'schema'.", code: "missing_required_parameter")
                }
                var s: [(String, JSONValue)] = [("name", .string(schemaName)), ("schema", schema)]
                for k in ["description", "strict"] { if let v = format[k], !v.isNull { s.append((k, v)) } }
                body.append(("response_format", ["type": "json_schema", "json_schema": .object(s)]))
            default: throw invalid("text.format.type", "Invalid 'text.format.type': expected 'text', 'json_object' or 'json_schema'.")
            }
        }
        return (.object(body), instructions)
    }

    /// One input item → chat messages (consecutive function calls join one assistant message).
    static func append(_ item: JSONValue, to messages: inout [JSONValue], param: String) throws(GatewayError) {
        guard case .object = item else { throw invalid(param, "Invalid type for '\(param)': expected an object.", code: "invalid_type") }
        switch item["type"]?.stringValue ?? "message" {
        case "message":
            guard let role = item["role"]?.stringValue, ["user", "assistant", "system", "developer"].contains(role) else {
                throw invalid("\(param).role", "Invalid value for '\(param).role': expected 'user', 'assistant', 'system' or 'developer'.")
            }
            switch item["content"] {
            case .string(let s)?: messages.append(["role": .string(role), "content": .string(s)])
            case .array(let parts)?:
                var out: [JSONValue] = []
                for (j, part) in parts.enumerated() {
                    switch part["type"]?.stringValue {
                    case "input_text"?, "output_text"?, "text"?:
                        guard let t = part["text"]?.stringValue else { throw invalid("\(param).content[\(j)].text", "Missing required parameter: '\(param).content[\(j)].text'.", code: "missing_required_parameter") }
                        out.append(["type": "text", "text": .string(t)])
                    case "input_image"?:
                        guard let url = part["image_url"]?.stringValue else { throw invalid("\(param).content[\(j)].image_url", "Only image_url images are supported by this gateway.") }
                        out.append(["type": "image_url", "image_url": ["url": .string(url)]])
                    case "refusal"?: continue
                    default: throw invalid("\(param).content[\(j)].type", "Invalid content type; expected 'input_text', 'input_image' or 'output_text'.")
                    }
                }
                if out.count == 1, let t = out[0]["text"]?.stringValue {
                    messages.append(["role": .string(role), "content": .string(t)])
                } else if role == "assistant" {
                    messages.append(["role": "assistant", "content": .string(out.compactMap { $0["text"]?.stringValue }.joined())])
                } else {
                    messages.append(["role": .string(role), "content": .array(out)])
                }
            default: throw invalid("\(param).content", "Invalid type for '\(param).content': expected a string or an array.", code: "invalid_type")
            }
        case "function_call":
            guard let id = item["call_id"]?.stringValue, let name = item["name"]?.stringValue else {
                throw invalid(param, "A function_call item needs 'call_id' and 'name'.", code: "missing_required_parameter")
            }
            let call: JSONValue = ["id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": item["arguments"] ?? "{}"]]
            if let last = messages.last, last["role"]?.stringValue == "assistant", var calls = last["tool_calls"]?.arrayValue {
                calls.append(call)
                messages[messages.count - 1] = last.setting("tool_calls", .array(calls))
            } else {
                messages.append(["role": "assistant", "content": nil, "tool_calls": [call]])
            }
        case "function_call_output":
            guard let id = item["call_id"]?.stringValue else { throw invalid("\(param).call_id", "Missing required parameter: '\(param).call_id'.", code: "missing_required_parameter") }
            let output = item["output"]?.stringValue ?? (item["output"] ?? "").jsonString
            messages.append(["role": "tool", "tool_call_id": .string(id), "content": .string(output)])
        case "reasoning", "item_reference":
            return  // nothing to translate: reasoning is the provider's, references need its store
        default:
            throw invalid("\(param).type", "Invalid input item type `\(item["type"]?.stringValue ?? "")`: expected 'message', 'function_call' or 'function_call_output'.")
        }
    }

    // MARK: Answer

    /// The ids a response's output items carry (kept by a stream so its events and its final
    /// response agree).
    struct ItemIDs: Sendable {
        var message = ResponseStore.newID("msg_")
        var calls: [Int: String] = [:]
        mutating func call(_ i: Int) -> String {
            if let id = calls[i] { return id }
            let id = ResponseStore.newID("fc_")
            calls[i] = id
            return id
        }
    }

    static func outputItems(_ completion: JSONValue, ids: inout ItemIDs) -> [JSONValue] {
        let message = completion["choices"]?.arrayValue?.first?["message"] ?? .object([])
        var items: [JSONValue] = []
        if let text = message["content"]?.stringValue, !text.isEmpty || message["tool_calls"] == nil {
            items.append(["id": .string(ids.message), "type": "message", "status": "completed", "role": "assistant",
                          "content": [["type": "output_text", "text": .string(text), "annotations": []]]])
        }
        for (i, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
            items.append(["id": .string(ids.call(i)), "type": "function_call", "status": "completed", "call_id": call["id"] ?? .string(ids.call(i)),
                          "name": call["function"]?["name"] ?? "", "arguments": call["function"]?["arguments"] ?? "{}"])
        }
        return items
    }

    static func usage(_ completion: JSONValue) -> JSONValue {
        let u = completion["usage"]
        let input = u?["prompt_tokens"]?.countValue ?? 0, output = u?["completion_tokens"]?.countValue ?? 0
        return ["input_tokens": .int(input), "input_tokens_details": ["cached_tokens": .int(u?["prompt_tokens_details"]?["cached_tokens"]?.countValue ?? 0)],
                "output_tokens": .int(output), "output_tokens_details": ["reasoning_tokens": .int(u?["completion_tokens_details"]?["reasoning_tokens"]?.countValue ?? 0)],
                "total_tokens": .int(input + output)]
    }

    /// The `response` object: its status, output and usage, and the request's settings echoed.
    static func response(id: String, body: JSONValue, model: JSONValue, status: String, output: [JSONValue], usage: JSONValue?) -> JSONValue {
        var r: [(String, JSONValue)] = [
            ("id", .string(id)), ("object", "response"), ("created_at", .int(Int(Date().timeIntervalSince1970))), ("status", .string(status)),
            ("error", nil), ("incomplete_details", status == "incomplete" ? ["reason": "max_output_tokens"] : nil),
            ("instructions", body["instructions"] ?? nil), ("max_output_tokens", body["max_output_tokens"] ?? nil), ("model", model),
            ("output", .array(output)), ("parallel_tool_calls", body["parallel_tool_calls"] ?? true),
            ("previous_response_id", body["previous_response_id"] ?? nil), ("reasoning", ["effort": body["reasoning"]?["effort"] ?? nil, "summary": nil]),
            ("store", body["store"] ?? true), ("temperature", body["temperature"] ?? 1), ("text", body["text"] ?? ["format": ["type": "text"]]),
            ("tool_choice", body["tool_choice"] ?? "auto"), ("tools", body["tools"] ?? []), ("top_p", body["top_p"] ?? 1),
            ("truncation", body["truncation"] ?? "disabled"), ("usage", usage ?? nil), ("user", body["user"] ?? nil), ("metadata", body["metadata"] ?? .object([])),
        ]
        if status != "completed" && status != "incomplete" { r.removeAll { $0.0 == "usage" }; r.append(("usage", nil)) }
        return .object(r)
    }

    static func status(_ completion: JSONValue) -> String {
        completion["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue == "length" ? "incomplete" : "completed"
    }
}
