import NIOCore
import TollgateBase
import TollgateExactCache

/// Chat completion chunks → Anthropic's stream: `message_start`, then per content block
/// `content_block_start` / `content_block_delta` / `content_block_stop`, then `message_delta`
/// (stop reason and usage) and `message_stop`.
struct MessagesStreamEncoder: StreamEncoder {
    private var started = false
    /// The open block: its index, and the chat tool-call index when it is a tool_use block.
    private var open: (index: Int, tool: Int?)?
    private var nextIndex = 0
    private var finish: String?
    private var usage: JSONValue?

    static func event(_ name: String, _ data: JSONValue) -> ByteBuffer {
        var b = ByteBuffer()
        b.writeString("event: \(name)\ndata: ")
        b.writeBytes(data.jsonBytes)
        b.writeString("\n\n")
        return b
    }

    private mutating func start(_ chunk: JSONValue) -> [ByteBuffer] {
        guard !started else { return [] }
        started = true
        let message: JSONValue = ["id": .string(MessagesTranslation.messageID(chunk)), "type": "message", "role": "assistant", "model": chunk["model"] ?? "",
                                  "content": [], "stop_reason": nil, "stop_sequence": nil,
                                  "usage": ["input_tokens": 0, "output_tokens": 0]]
        return [Self.event("message_start", ["type": "message_start", "message": message])]
    }

    private mutating func close() -> [ByteBuffer] {
        guard let o = open else { return [] }
        open = nil
        return [Self.event("content_block_stop", ["type": "content_block_stop", "index": .int(o.index)])]
    }

    private mutating func begin(_ block: JSONValue, tool: Int?) -> [ByteBuffer] {
        var out = close()
        let index = nextIndex
        nextIndex += 1
        open = (index, tool)
        out.append(Self.event("content_block_start", ["type": "content_block_start", "index": .int(index), "content_block": block]))
        return out
    }

    mutating func encode(_ chunk: JSONValue) -> [ByteBuffer] {
        var out = start(chunk)
        if let u = chunk["usage"], !u.isNull { usage = u }
        guard let choice = chunk["choices"]?.arrayValue?.first(where: { ($0["index"]?.intValue ?? 0) == 0 }) else { return out }
        let delta = choice["delta"] ?? .object([])
        if let text = delta["content"]?.stringValue, !text.isEmpty {
            if open == nil || open?.tool != nil { out += begin(["type": "text", "text": ""], tool: nil) }
            out.append(Self.event("content_block_delta", ["type": "content_block_delta", "index": .int(open!.index), "delta": ["type": "text_delta", "text": .string(text)]]))
        }
        for call in delta["tool_calls"]?.arrayValue ?? [] {
            let i = call["index"]?.intValue ?? 0
            if open?.tool != i {
                let block: JSONValue = ["type": "tool_use", "id": call["id"] ?? .string("toolu_\(i)"), "name": call["function"]?["name"] ?? "", "input": .object([])]
                out += begin(block, tool: i)
            }
            if let args = call["function"]?["arguments"]?.stringValue, !args.isEmpty {
                out.append(Self.event("content_block_delta", ["type": "content_block_delta", "index": .int(open!.index), "delta": ["type": "input_json_delta", "partial_json": .string(args)]]))
            }
        }
        if let reason = choice["finish_reason"]?.stringValue { finish = reason; out += close() }
        return out
    }

    mutating func finish(_ completion: JSONValue?) -> [ByteBuffer] {
        var out = close()
        guard let completion else { return out }  // incomplete: no message_stop, so the client sees a cut stream
        if !started { out += start(completion) }
        let u = MessagesTranslation.usage(["usage": completion["usage"] ?? usage ?? .null])
        out.append(Self.event("message_delta", ["type": "message_delta", "delta": ["stop_reason": .string(MessagesTranslation.stopReason(finish ?? completion["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue)), "stop_sequence": nil],
                                                "usage": u]))
        out.append(Self.event("message_stop", ["type": "message_stop"]))
        return out
    }

    func failure(_ message: String) -> ByteBuffer {
        Self.event("error", ["type": "error", "error": ["type": "api_error", "message": .string(message)]])
    }
}
