/// Turns a stored `chat.completion` back into the chunks a streaming client expects: a role
/// chunk, content chunks, tool-call chunks and a finish chunk per choice, then a usage chunk
/// when the client asked for one.
public enum Replay {
    /// Words per content chunk: enough to look like a stream, few enough to replay fast.
    public static let wordsPerChunk = 8

    public static func chunks(of completion: JSONValue, includeUsage: Bool, wordsPerChunk: Int = Replay.wordsPerChunk) -> [JSONValue] {
        let id = completion["id"] ?? .null
        let created = completion["created"] ?? .null
        let model = completion["model"] ?? .null
        func chunk(_ choices: [JSONValue], usage: JSONValue? = nil) -> JSONValue {
            var c: [(String, JSONValue)] = [("id", id), ("object", "chat.completion.chunk"), ("created", created), ("model", model)]
            if let f = completion["system_fingerprint"] { c.append(("system_fingerprint", f)) }
            c.append(("choices", .array(choices)))
            if let usage { c.append(("usage", usage)) }
            return .object(c)
        }
        func delta(_ index: JSONValue, _ delta: JSONValue, finish: JSONValue = nil) -> JSONValue {
            ["index": index, "delta": delta, "logprobs": nil, "finish_reason": finish]
        }
        var out: [JSONValue] = []
        for choice in completion["choices"]?.arrayValue ?? [] {
            let index = choice["index"] ?? 0
            let message = choice["message"] ?? .object([])
            let opening: JSONValue = message["content"]?.stringValue != nil ? ["role": message["role"] ?? "assistant", "content": ""] : ["role": message["role"] ?? "assistant"]
            out.append(chunk([delta(index, opening)]))
            if let text = message["content"]?.stringValue, !text.isEmpty {
                for piece in split(text, wordsPerChunk: wordsPerChunk) { out.append(chunk([delta(index, ["content": .string(piece)])])) }
            }
            if let refusal = message["refusal"]?.stringValue, !refusal.isEmpty {
                out.append(chunk([delta(index, ["refusal": .string(refusal)])]))
            }
            for (i, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
                let d: JSONValue = ["tool_calls": [["index": .int(i), "id": call["id"] ?? nil, "type": call["type"] ?? "function",
                                                    "function": ["name": call["function"]?["name"] ?? "", "arguments": call["function"]?["arguments"] ?? ""]]]]
                out.append(chunk([delta(index, d)]))
            }
            out.append(chunk([delta(index, .object([]), finish: choice["finish_reason"] ?? "stop")]))
        }
        if includeUsage, let usage = completion["usage"] { out.append(chunk([], usage: usage)) }
        return out
    }

    /// Splits text into pieces of a few words, keeping every character (spaces included).
    package static func split(_ text: String, wordsPerChunk: Int = Replay.wordsPerChunk) -> [String] {
        var pieces: [String] = []
        var current = ""
        var words = 0
        for ch in text {
            current.append(ch)
            if ch == " " {
                words += 1
                if words == wordsPerChunk { pieces.append(current); current = ""; words = 0 }
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
