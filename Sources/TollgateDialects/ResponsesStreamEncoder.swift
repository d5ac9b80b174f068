import NIOCore
import TollgateBase
import TollgateExactCache

/// Chat completion chunks → the Responses API's typed events: `response.created`,
/// `response.in_progress`, per output item `response.output_item.added` … `.done` (with
/// `response.content_part.*` and `response.output_text.delta/.done` for text,
/// `response.function_call_arguments.delta/.done` for calls), then `response.completed` (or
/// `response.incomplete`) carrying the same response object a JSON call returns.
struct ResponsesStreamEncoder: StreamEncoder {
    let dialect: ResponsesDialect
    let request: ChatRequest?
    let tenant: String
    private let id = ResponseStore.newID("resp_")
    private var sequence = 0
    private var started = false
    private var ids = ResponsesTranslation.ItemIDs()
    private var model: JSONValue = nil
    private var nextOutput = 0
    /// The open item: its output index, and the chat tool-call index for a function call.
    private var open: (output: Int, tool: Int?)?
    private var text = ""
    private var arguments = ""
    private var call: (id: JSONValue, name: JSONValue) = (nil, nil)

    init(dialect: ResponsesDialect, request: ChatRequest?, tenant: String) {
        self.dialect = dialect
        self.request = request
        self.tenant = tenant
    }

    private var body: JSONValue {
        if case .responses(let b, _)? = request?.origin { return b }
        return .object([])
    }

    private mutating func event(_ type: String, _ fields: [(String, JSONValue)]) -> ByteBuffer {
        let data = JSONValue.object([("type", .string(type))] + fields + [("sequence_number", .int(sequence))])
        sequence += 1
        var b = ByteBuffer()
        b.writeString("event: \(type)\ndata: ")
        b.writeBytes(data.jsonBytes)
        b.writeString("\n\n")
        return b
    }

    private mutating func start(_ chunk: JSONValue) -> [ByteBuffer] {
        guard !started else { return [] }
        started = true
        model = chunk["model"] ?? .string(request?.model ?? "")
        let skeleton = ResponsesTranslation.response(id: id, body: body, model: model, status: "in_progress", output: [], usage: nil)
        return [event("response.created", [("response", skeleton)]), event("response.in_progress", [("response", skeleton)])]
    }

    private mutating func close() -> [ByteBuffer] {
        guard let o = open else { return [] }
        open = nil
        if let tool = o.tool {
            let id = JSONValue.string(ids.call(tool))
            let item: JSONValue = ["id": id, "type": "function_call", "status": "completed", "call_id": call.id, "name": call.name, "arguments": .string(arguments)]
            return [event("response.function_call_arguments.done", [("item_id", id), ("output_index", .int(o.output)), ("arguments", .string(arguments))]),
                    event("response.output_item.done", [("output_index", .int(o.output)), ("item", item)])]
        }
        let id = JSONValue.string(ids.message)
        let part: JSONValue = ["type": "output_text", "text": .string(text), "annotations": []]
        let item: JSONValue = ["id": id, "type": "message", "status": "completed", "role": "assistant", "content": [part]]
        return [event("response.output_text.done", [("item_id", id), ("output_index", .int(o.output)), ("content_index", 0), ("text", .string(text))]),
                event("response.content_part.done", [("item_id", id), ("output_index", .int(o.output)), ("content_index", 0), ("part", part)]),
                event("response.output_item.done", [("output_index", .int(o.output)), ("item", item)])]
    }

    mutating func encode(_ chunk: JSONValue) -> [ByteBuffer] {
        var out = start(chunk)
        guard let choice = chunk["choices"]?.arrayValue?.first(where: { ($0["index"]?.intValue ?? 0) == 0 }) else { return out }
        let delta = choice["delta"] ?? .object([])
        if let piece = delta["content"]?.stringValue, !piece.isEmpty {
            if open == nil || open?.tool != nil {
                out += close()
                open = (nextOutput, nil)
                nextOutput += 1
                let id = JSONValue.string(ids.message)
                out.append(event("response.output_item.added", [("output_index", .int(open!.output)),
                                                                ("item", ["id": id, "type": "message", "status": "in_progress", "role": "assistant", "content": []])]))
                out.append(event("response.content_part.added", [("item_id", id), ("output_index", .int(open!.output)), ("content_index", 0),
                                                                 ("part", ["type": "output_text", "text": "", "annotations": []])]))
            }
            text += piece
            out.append(event("response.output_text.delta", [("item_id", .string(ids.message)), ("output_index", .int(open!.output)), ("content_index", 0),
                                                            ("delta", .string(piece)), ("logprobs", [])]))
        }
        for c in delta["tool_calls"]?.arrayValue ?? [] {
            let i = c["index"]?.intValue ?? 0
            if open?.tool != i {
                out += close()
                open = (nextOutput, i)
                nextOutput += 1
                arguments = ""
                call = (c["id"] ?? .string(ids.call(i)), c["function"]?["name"] ?? "")
                out.append(event("response.output_item.added", [("output_index", .int(open!.output)),
                                                                ("item", ["id": .string(ids.call(i)), "type": "function_call", "status": "in_progress",
                                                                          "call_id": call.id, "name": call.name, "arguments": ""])]))
            }
            if let args = c["function"]?["arguments"]?.stringValue, !args.isEmpty {
                arguments += args
                out.append(event("response.function_call_arguments.delta", [("item_id", .string(ids.call(i))), ("output_index", .int(open!.output)), ("delta", .string(args))]))
            }
        }
        return out
    }

    mutating func finish(_ completion: JSONValue?) async -> [ByteBuffer] {
        guard let completion else {
            var out = close()
            let failed = ResponsesTranslation.response(id: id, body: body, model: model, status: "failed", output: [], usage: nil)
                .setting("error", ["code": "server_error", "message": "The upstream stream ended before the answer was complete."])
            out.append(event("response.failed", [("response", failed)]))
            return out
        }
        var out = start(completion)
        out += close()
        var final = ids
        let output = ResponsesTranslation.outputItems(completion, ids: &final)
        let response = await dialect.finished(completion, output: output, request: request, tenant: tenant, id: id)
        out.append(event(response["status"]?.stringValue == "incomplete" ? "response.incomplete" : "response.completed", [("response", response)]))
        return out
    }

    func failure(_ message: String) -> ByteBuffer {
        let data: JSONValue = ["type": "error", "code": "upstream_stream_failed", "message": .string(message), "param": nil, "sequence_number": .int(sequence)]
        var b = ByteBuffer()
        b.writeString("event: error\ndata: ")
        b.writeBytes(data.jsonBytes)
        b.writeString("\n\n")
        return b
    }
}
