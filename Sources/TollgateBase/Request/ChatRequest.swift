/// A validated `POST /v1/chat/completions` body and what the router needs to know about it.
///
/// Validation follows OpenAI's rules closely enough that a client's mistake gets a 400 naming
/// the field (`param`) before anything is looked up or sent upstream.
public struct ChatRequest: Sendable {
    /// The body as the client sent it (parsed).
    public let body: JSONValue
    public let model: String
    public let messages: [JSONValue]
    public let stream: Bool
    /// `stream_options.include_usage`.
    public let includeUsage: Bool
    public let maxTokens: Int?
    /// Capabilities a model must have to answer this request.
    public let needs: Set<Capability>
    /// A rough prompt size (≈ 4 bytes a token), for ranking and the context-window filter.
    public let estimatedPromptTokens: Int
    /// Where the request came from when not from chat completions: what the ingress adapter
    /// keeps beside the internal form.
    public var origin: Origin?

    /// The original request of another dialect.
    public enum Origin: Sendable {
        /// An Anthropic Messages body: an Anthropic upstream gets it as sent (blocks,
        /// `cache_control`, `thinking`), not a translation.
        case messages(JSONValue)
        /// An OpenAI Responses body; the first `instructions` messages of `messages` came from its
        /// `instructions` (not carried into a stored conversation).
        case responses(JSONValue, instructions: Int)
    }

    /// The original Anthropic Messages body, if the request came in as one.
    public var anthropicBody: JSONValue? {
        if case .messages(let body)? = origin { return body }
        return nil
    }

    /// `n`: OpenAI accepts 1 to 128 choices.
    static let choicesRange = 1...128
    /// `max_tokens`: bounded far above any context window (the router then checks the window).
    package static let maxTokensRange = 1...Tokens.ceiling

    static let roles: Set<String> = ["system", "developer", "user", "assistant", "tool", "function"]

    /// Parses and validates a body. Throws a 400 `GatewayError` naming the faulty field.
    public init(body bytes: some Collection<UInt8>, maxMessages: Int = .max) throws(GatewayError) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw .invalidRequest("We could not parse the JSON body of your request (\(error)). The body must be a JSON object.", code: "invalid_json")
        }
        try self.init(json: json, maxMessages: maxMessages)
    }

    public init(json: JSONValue, maxMessages: Int = .max) throws(GatewayError) {
        guard case .object = json else { throw .invalidRequest("The request body must be a JSON object.", code: "invalid_json") }
        body = json

        guard let model = json["model"], !model.isNull else { throw .invalidRequest("Missing required parameter: 'model'.", param: "model", code: "missing_required_parameter") }
        guard let name = model.stringValue, !name.isEmpty else { throw .invalidRequest("Invalid type for 'model': expected a non-empty string.", param: "model", code: "invalid_type") }
        self.model = name

        guard let m = json["messages"], !m.isNull else { throw .invalidRequest("Missing required parameter: 'messages'.", param: "messages", code: "missing_required_parameter") }
        guard let messages = m.arrayValue else { throw .invalidRequest("Invalid type for 'messages': expected an array.", param: "messages", code: "invalid_type") }
        guard !messages.isEmpty else { throw .invalidRequest("'messages' must contain at least one message.", param: "messages", code: "empty_array") }
        guard messages.count <= maxMessages else {
            throw .invalidRequest("'messages' has \(messages.count) messages; the limit is \(maxMessages) (limits.max_messages).", param: "messages", code: "array_above_max_length")
        }
        self.messages = messages

        var needs = Set<Capability>()
        var promptBytes = 0
        for (i, message) in messages.enumerated() {
            let p = "messages[\(i)]"
            guard case .object = message else { throw .invalidRequest("Invalid type for '\(p)': expected an object.", param: p, code: "invalid_type") }
            guard let role = message["role"]?.stringValue else { throw .invalidRequest("Missing required parameter: '\(p).role'.", param: "\(p).role", code: "missing_required_parameter") }
            guard ChatRequest.roles.contains(role) else {
                throw .invalidRequest("Invalid value for '\(p).role': '\(role)'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool' and 'function'.", param: "\(p).role", code: "invalid_value")
            }
            let content = message["content"] ?? .null
            switch content {
            case .string(let s): promptBytes += s.utf8.count
            case .null:
                if role != "assistant" { throw .invalidRequest("Missing required parameter: '\(p).content'.", param: "\(p).content", code: "missing_required_parameter") }
            case .array(let parts):
                for (j, part) in parts.enumerated() {
                    guard let type = part["type"]?.stringValue else {
                        throw .invalidRequest("Missing required parameter: '\(p).content[\(j)].type'.", param: "\(p).content[\(j)].type", code: "missing_required_parameter")
                    }
                    switch type {
                    case "text":
                        let q = "\(p).content[\(j)].text"
                        guard let value = part["text"], !value.isNull else {
                            throw .invalidRequest("Missing required parameter: '\(q)'.", param: q, code: "missing_required_parameter")
                        }
                        guard let text = value.stringValue else { throw .invalidRequest("Invalid type for '\(q)': expected a string.", param: q, code: "invalid_type") }
                        promptBytes += text.utf8.count
                    case "image_url", "input_image": needs.insert(.vision); promptBytes += 3000
                    default: promptBytes += part.jsonBytes.count
                    }
                }
            default:
                throw .invalidRequest("Invalid type for '\(p).content': expected a string or an array of content parts.", param: "\(p).content", code: "invalid_type")
            }
            if role == "tool", message["tool_call_id"]?.stringValue == nil {
                throw .invalidRequest("Missing required parameter: '\(p).tool_call_id'.", param: "\(p).tool_call_id", code: "missing_required_parameter")
            }
            if let calls = message["tool_calls"] { promptBytes += calls.jsonBytes.count }
            promptBytes += 16
        }

        func number(_ key: String, _ range: ClosedRange<Double>) throws(GatewayError) {
            guard let v = json[key], !v.isNull else { return }
            guard let d = v.doubleValue else { throw .invalidRequest("Invalid type for '\(key)': expected a number.", param: key, code: "invalid_type") }
            guard range.contains(d) else {
                throw .invalidRequest("Invalid '\(key)': \(d) is outside the range \(range.lowerBound) to \(range.upperBound).", param: key, code: "invalid_value")
            }
        }
        // Every integer is bounded here, so that no later sum or product on it can overflow.
        func integer(_ key: String, _ range: ClosedRange<Int>) throws(GatewayError) -> Int? {
            guard let v = json[key], !v.isNull else { return nil }
            guard let d = v.doubleValue, d.rounded() == d else {
                throw .invalidRequest("Invalid type for '\(key)': expected an integer.", param: key, code: "invalid_type")
            }
            guard let i = v.intValue, range.contains(i) else {
                throw .invalidRequest("Invalid '\(key)': \(v.jsonString) is outside the range \(range.lowerBound) to \(range.upperBound).", param: key, code: "invalid_value")
            }
            return i
        }
        func flag(_ key: String) throws(GatewayError) -> Bool {
            guard let v = json[key], !v.isNull else { return false }
            guard let b = v.boolValue else { throw .invalidRequest("Invalid type for '\(key)': expected a boolean.", param: key, code: "invalid_type") }
            return b
        }

        try number("temperature", 0...2)
        try number("top_p", 0...1)
        try number("presence_penalty", -2...2)
        try number("frequency_penalty", -2...2)
        _ = try integer("n", ChatRequest.choicesRange)
        _ = try integer("seed", Int.min...Int.max)
        _ = try integer("top_logprobs", 0...20)
        let maxTokens = try integer("max_tokens", ChatRequest.maxTokensRange)
        let maxCompletion = try integer("max_completion_tokens", ChatRequest.maxTokensRange)
        self.maxTokens = maxCompletion ?? maxTokens
        stream = try flag("stream")
        _ = try flag("logprobs")
        _ = try flag("parallel_tool_calls")

        if let options = json["stream_options"], !options.isNull {
            guard case .object = options else { throw .invalidRequest("Invalid type for 'stream_options': expected an object.", param: "stream_options", code: "invalid_type") }
            guard stream else { throw .invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: "stream_options", code: "invalid_value") }
            includeUsage = options["include_usage"]?.boolValue ?? false
        } else {
            includeUsage = false
        }

        if let stop = json["stop"], !stop.isNull {
            switch stop {
            case .string: break
            case .array(let items) where items.count <= 4 && items.allSatisfy({ $0.stringValue != nil }): break
            default: throw .invalidRequest("Invalid 'stop': expected a string or an array of up to 4 strings.", param: "stop", code: "invalid_value")
            }
        }

        if let tools = json["tools"], !tools.isNull {
            guard let list = tools.arrayValue else { throw .invalidRequest("Invalid type for 'tools': expected an array.", param: "tools", code: "invalid_type") }
            for (i, tool) in list.enumerated() {
                guard tool["type"]?.stringValue == "function" else {
                    throw .invalidRequest("Invalid value for 'tools[\(i)].type': expected 'function'.", param: "tools[\(i)].type", code: "invalid_value")
                }
                guard let name = tool["function"]?["name"]?.stringValue, !name.isEmpty else {
                    throw .invalidRequest("Missing required parameter: 'tools[\(i)].function.name'.", param: "tools[\(i)].function.name", code: "missing_required_parameter")
                }
            }
            if !list.isEmpty { needs.insert(.tools) }
            promptBytes += tools.jsonBytes.count
        }
        if let functions = json["functions"]?.arrayValue, !functions.isEmpty { needs.insert(.tools) }
        if let choice = json["tool_choice"], !choice.isNull {
            switch choice {
            case .string(let mode):
                guard ["none", "auto", "required"].contains(mode) else {
                    throw .invalidRequest("Invalid value for 'tool_choice': '\(mode.prefix(40))'. Supported values are: 'none', 'auto', 'required' or a function.",
                                          param: "tool_choice", code: "invalid_value")
                }
            case .object:
                guard let type = choice["type"]?.stringValue else {
                    throw .invalidRequest("Missing required parameter: 'tool_choice.type'.", param: "tool_choice.type", code: "missing_required_parameter")
                }
                if type == "function" {
                    guard let name = choice["function"]?["name"]?.stringValue else {
                        throw .invalidRequest("Missing required parameter: 'tool_choice.function.name'.", param: "tool_choice.function.name", code: "missing_required_parameter")
                    }
                    if let tools = json["tools"]?.arrayValue, !tools.contains(where: { $0["function"]?["name"]?.stringValue == name }) {
                        throw .invalidRequest("Invalid value for 'tool_choice': no function named '\(name.prefix(64))' in 'tools'.", param: "tool_choice", code: "invalid_value")
                    }
                }
            default:
                throw .invalidRequest("Invalid type for 'tool_choice': expected a string or an object.", param: "tool_choice", code: "invalid_type")
            }
        }

        if let format = json["response_format"], !format.isNull {
            guard let type = format["type"]?.stringValue else {
                throw .invalidRequest("Missing required parameter: 'response_format.type'.", param: "response_format.type", code: "missing_required_parameter")
            }
            switch type {
            case "text": break
            case "json_object", "json_schema": needs.insert(.json)
            default: throw .invalidRequest("Invalid value for 'response_format.type': '\(type)'. Supported values are: 'text', 'json_object' and 'json_schema'.", param: "response_format.type", code: "invalid_value")
            }
        }
        if stream { needs.insert(.stream) }
        self.needs = needs
        estimatedPromptTokens = promptBytes / 4 + 3
    }

    /// The canonical request without `stream`/`stream_options`: what the exact key hashes.
    /// `max_completion_tokens` is the same limit as `max_tokens` (the newer name), so both
    /// spellings — and the other dialects' — give one key.
    public var canonicalBytes: [UInt8] {
        var b = body.removing(["stream", "stream_options"])
        if let m = body["max_completion_tokens"], !m.isNull { b = b.removing(["max_completion_tokens"]).setting("max_tokens", m) }
        return b.canonicalBytes
    }

    /// The text of the last user message (string content, or its text parts joined).
    public var lastUserText: String? {
        guard let message = messages.last(where: { $0["role"]?.stringValue == "user" }) else { return nil }
        switch message["content"] {
        case .string(let s)?: return s
        case .array(let parts)?: return parts.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined(separator: "\n")
        default: return nil
        }
    }
}
