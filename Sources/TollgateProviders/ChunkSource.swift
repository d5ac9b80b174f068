import TollgateBase
import TollgateHTTPClient
/// Turns an upstream's server-sent events into OpenAI `chat.completion.chunk` objects.
protocol StreamDecoder: AnyObject {
    /// The chunks one event yields, and whether it ends the stream cleanly.
    func decode(_ event: SSEEvent) throws(UpstreamFailure) -> (chunks: [JSONValue], done: Bool)
}

/// An upstream answer as a stream of OpenAI chunks. `next()` returns nil once the upstream
/// ended cleanly (`[DONE]` / `message_stop`); a cut connection or an error event throws.
/// One reader at a time (the response body that forwards it).
public final class ChunkSource: @unchecked Sendable {
    private let upstream: UpstreamStream?
    private let decoder: (any StreamDecoder)?
    private var parser = SSEParser()
    private var ready: [JSONValue] = []
    private var done = false
    let provider: String

    init(upstream: UpstreamStream, decoder: any StreamDecoder, provider: String) {
        self.upstream = upstream
        self.decoder = decoder
        self.provider = provider
    }

    /// A source over chunks already in hand (an upstream that answered JSON to a stream request).
    init(chunks: [JSONValue], provider: String) {
        upstream = nil
        decoder = nil
        ready = chunks
        done = true
        self.provider = provider
    }

    /// The next chunk, or nil at the clean end of the stream.
    public func next() async throws(UpstreamFailure) -> JSONValue? {
        while ready.isEmpty {
            if done { return nil }
            guard let upstream, let decoder else { return nil }
            let bytes: [UInt8]?
            do {
                bytes = try await upstream.next()
            } catch let e as TransportError {
                throw e.kind == .timeout ? .timeout(e.message) : .badResponse("\(provider): stream cut: \(e.message)")
            } catch {
                throw .badResponse("\(provider): stream cut: \(error)")
            }
            guard let bytes else {
                throw .badResponse("\(provider): the stream ended without [DONE]")
            }
            for event in parser.feed(bytes) where !done {
                let (chunks, end) = try decoder.decode(event)
                ready += chunks
                done = end
            }
        }
        return ready.removeFirst()
    }

    /// Waits until the first chunk is in hand, so a stream that fails at once can still fall
    /// back to another provider before anything reaches the client.
    func prime() async throws(UpstreamFailure) {
        if let first = try await next() { ready.insert(first, at: 0) }
    }

    /// Stops the upstream transfer.
    public func cancel() {
        upstream?.cancel()
    }
}

/// OpenAI-compatible streams: each `data:` is a chunk; `[DONE]` ends the stream.
final class OpenAIStreamDecoder: StreamDecoder {
    let provider: String
    init(provider: String) { self.provider = provider }

    func decode(_ event: SSEEvent) throws(UpstreamFailure) -> (chunks: [JSONValue], done: Bool) {
        if event.data == "[DONE]" { return ([], true) }
        guard let json = try? JSONValue.parse(event.data) else { throw .badResponse("\(provider): a stream event is not JSON") }
        if let error = json["error"], !error.isNull {
            throw .badResponse("\(provider): error in stream: \(Secrets.redact(error["message"]?.stringValue ?? error.jsonString))")
        }
        return ([json], false)
    }
}

/// Anthropic Messages streams (`message_start`, `content_block_*`, `message_delta`,
/// `message_stop`), translated to OpenAI chunks on the fly, tool-call deltas included.
final class AnthropicStreamDecoder: StreamDecoder {
    let provider: String
    let requestedModel: String
    var id: JSONValue = .null
    var model: JSONValue = .null
    let created = JSONValue.int(Int(Date().timeIntervalSince1970))
    /// `message_start`'s usage (input and prompt-cache counts).
    var startUsage: JSONValue = .null
    var outputTokens = 0
    /// Anthropic content-block index → OpenAI tool-call index.
    var toolIndex: [Int: Int] = [:]
    /// Content blocks that carry a `response_format` answer (the forced JSON tool): their
    /// input is the message's content, not a tool call.
    var jsonBlocks: Set<Int> = []

    init(provider: String, requestedModel: String) {
        self.provider = provider
        self.requestedModel = requestedModel
    }

    func chunk(_ delta: JSONValue, finish: JSONValue = nil) -> JSONValue {
        ["id": id, "object": "chat.completion.chunk", "created": created, "model": model,
         "choices": [["index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish]]]
    }

    func decode(_ event: SSEEvent) throws(UpstreamFailure) -> (chunks: [JSONValue], done: Bool) {
        guard let json = try? JSONValue.parse(event.data) else { throw .badResponse("\(provider): a stream event is not JSON") }
        switch json["type"]?.stringValue ?? event.event ?? "" {
        case "message_start":
            let m = json["message"] ?? .object([])
            id = .string("chatcmpl-" + (m["id"]?.stringValue ?? UUID().uuidString))
            model = m["model"] ?? .string(requestedModel)
            startUsage = m["usage"] ?? .null
            outputTokens = m["usage"]?["output_tokens"]?.countValue ?? 0
            return ([chunk(["role": "assistant", "content": ""])], false)
        case "content_block_start":
            let block = json["content_block"] ?? .object([])
            let index = json["index"]?.intValue ?? 0
            if block["type"]?.stringValue == "tool_use", block["name"]?.stringValue == AnthropicProvider.jsonToolName {
                jsonBlocks.insert(index)
                return ([], false)
            }
            if block["type"]?.stringValue == "tool_use" {
                let i = toolIndex.count
                toolIndex[index] = i
                return ([chunk(["tool_calls": [["index": .int(i), "id": block["id"] ?? nil, "type": "function",
                                                "function": ["name": block["name"] ?? "", "arguments": ""]]]])], false)
            }
            if let text = block["text"]?.stringValue, !text.isEmpty { return ([chunk(["content": .string(text)])], false) }
            return ([], false)
        case "content_block_delta":
            let delta = json["delta"] ?? .object([])
            switch delta["type"]?.stringValue {
            case "text_delta": return ([chunk(["content": delta["text"] ?? ""])], false)
            case "input_json_delta" where jsonBlocks.contains(json["index"]?.intValue ?? 0):
                return ([chunk(["content": delta["partial_json"] ?? ""])], false)
            case "input_json_delta":
                let i = toolIndex[json["index"]?.intValue ?? 0] ?? 0
                return ([chunk(["tool_calls": [["index": .int(i), "function": ["arguments": delta["partial_json"] ?? ""]]]])], false)
            default: return ([], false)
            }
        case "message_delta":
            if let out = json["usage"]?["output_tokens"]?.countValue { outputTokens = out }
            if let stop = json["delta"]?["stop_reason"]?.stringValue {
                let finish = stop == "tool_use" && toolIndex.isEmpty && !jsonBlocks.isEmpty ? "stop" : AnthropicProvider.finishReason(stop)
                return ([chunk(.object([]), finish: .string(finish))], false)
            }
            return ([], false)
        case "message_stop":
            let usage = AnthropicProvider.chatUsage(startUsage, output: outputTokens)
            return ([["id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [], "usage": usage]], true)
        case "error":
            throw .badResponse("\(provider): error in stream: \(Secrets.redact(json["error"]?["message"]?.stringValue ?? event.data))")
        default:
            return ([], false)  // ping, content_block_stop, unknown future events
        }
    }
}

import Foundation
