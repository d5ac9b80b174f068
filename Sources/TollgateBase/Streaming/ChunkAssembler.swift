/// Rebuilds a complete `chat.completion` from the `chat.completion.chunk`s of a stream, so a
/// streamed answer can be cached and later served as JSON or replayed as a stream.
public struct ChunkAssembler: Sendable {
    struct ToolCall: Sendable {
        var id: JSONValue = .null
        var type: JSONValue = "function"
        var name = ""
        var arguments = ""
    }

    struct Choice: Sendable {
        var role = "assistant"
        var content: String?
        var refusal: String?
        var toolCalls: [Int: ToolCall] = [:]
        var finishReason: String?
    }

    var id: JSONValue = .null
    var created: JSONValue = .null
    var model: JSONValue = .null
    var fingerprint: JSONValue?
    var choices: [Int: Choice] = [:]
    /// `usage` from the stream (OpenAI sends it in a last chunk when asked).
    public private(set) var usage: JSONValue?

    /// How many choices the request asked for (`n`).
    let expectedChoices: Int

    public init(expectedChoices: Int = 1) {
        self.expectedChoices = expectedChoices
    }

    public mutating func add(_ chunk: JSONValue) {
        if id.isNull, let v = chunk["id"] { id = v }
        if created.isNull, let v = chunk["created"] { created = v }
        if model.isNull, let v = chunk["model"] { model = v }
        if let f = chunk["system_fingerprint"], !f.isNull { fingerprint = f }
        if let u = chunk["usage"], !u.isNull { usage = u }
        for c in chunk["choices"]?.arrayValue ?? [] {
            let index = c["index"]?.intValue ?? 0
            var choice = choices[index] ?? Choice()
            let delta = c["delta"] ?? .object([])
            if let role = delta["role"]?.stringValue { choice.role = role }
            if let text = delta["content"]?.stringValue { choice.content = (choice.content ?? "") + text }
            if let text = delta["refusal"]?.stringValue { choice.refusal = (choice.refusal ?? "") + text }
            for call in delta["tool_calls"]?.arrayValue ?? [] {
                let i = call["index"]?.intValue ?? choice.toolCalls.count
                var t = choice.toolCalls[i] ?? ToolCall()
                if let v = call["id"], !v.isNull { t.id = v }
                if let v = call["type"], !v.isNull { t.type = v }
                if let v = call["function"]?["name"]?.stringValue { t.name += v }
                if let v = call["function"]?["arguments"]?.stringValue { t.arguments += v }
                choice.toolCalls[i] = t
            }
            if let reason = c["finish_reason"]?.stringValue { choice.finishReason = reason }
            choices[index] = choice
        }
    }

    /// Whether every expected choice has arrived and finished.
    public var isComplete: Bool {
        choices.count >= max(1, expectedChoices) && choices.values.allSatisfy { $0.finishReason != nil }
    }

    /// The assembled `chat.completion`, or nil while the stream is incomplete.
    public func completion() -> JSONValue? {
        guard isComplete else { return nil }
        let list: [JSONValue] = choices.keys.sorted().map { index in
            let c = choices[index]!
            var message: [(String, JSONValue)] = [("role", .string(c.role))]
            // A tool-call answer has null content, even if a stream opened it with "".
            let content = (c.content == "" && !c.toolCalls.isEmpty) ? nil : c.content
            message.append(("content", content.map { .string($0) } ?? .null))
            if !c.toolCalls.isEmpty {
                message.append(("tool_calls", .array(c.toolCalls.keys.sorted().map { i in
                    let t = c.toolCalls[i]!
                    return ["id": t.id, "type": t.type, "function": ["name": .string(t.name), "arguments": .string(t.arguments)]]
                })))
            }
            message.append(("refusal", c.refusal.map { .string($0) } ?? .null))
            return ["index": .int(index), "message": .object(message), "logprobs": nil, "finish_reason": .string(c.finishReason!)]
        }
        var body: [(String, JSONValue)] = [("id", id), ("object", "chat.completion"), ("created", created), ("model", model), ("choices", .array(list))]
        if let usage { body.append(("usage", usage)) }
        if let fingerprint { body.append(("system_fingerprint", fingerprint)) }
        return .object(body)
    }
}
