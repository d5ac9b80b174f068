import HTTPTypes
import NIOCore
import TollgateBase
import TollgateExactCache

/// One client API that the gateway speaks (OpenAI chat completions, Anthropic Messages, OpenAI
/// Responses): its ingress adapter. It parses that API's request into the one internal request
/// (`ChatRequest`, OpenAI chat form, so that the same question asked through two dialects is one
/// cache entry), and renders the internal answer (a `chat.completion`) back in its own JSON, its
/// own stream of events and its own error shape. Everything between — limits, both caches, the
/// shared tier, fixtures, routing, providers, write-back — is the same pipeline for every dialect.
public protocol Dialect: Sendable {
    /// The route it serves (`/v1/messages`): names its raw-body aliases and its metrics.
    var endpoint: String { get }
    /// Whether a repeated body may be answered from a raw-body alias without parsing. A dialect
    /// whose answers depend on more than the stored completion (stored responses) says no.
    var answersFromAlias: Bool { get }

    /// Parses and validates a body into the internal request; a 4xx `GatewayError` otherwise.
    func parse(_ body: ByteBuffer, tenant: String) async throws(GatewayError) -> ChatRequest

    /// The complete answer as this dialect's JSON body.
    func render(_ completion: JSONValue, bytes: ByteBuffer, request: ChatRequest?, tenant: String) async -> ByteBuffer

    /// A fresh encoder for one streamed answer.
    func streamEncoder(request: ChatRequest?, includeUsage: Bool, tenant: String) -> any StreamEncoder

    /// An error in this dialect's shape.
    func errorBody(_ error: GatewayError) -> [UInt8]
}

/// Turns the internal stream (OpenAI `chat.completion.chunk`s) into one dialect's events.
public protocol StreamEncoder: Sendable {
    /// The events for one upstream (or replayed) chunk.
    mutating func encode(_ chunk: JSONValue) -> [ByteBuffer]
    /// The closing events. `completion` is the assembled answer when the stream was complete,
    /// nil when it ended without one (nothing is cached then).
    mutating func finish(_ completion: JSONValue?) async -> [ByteBuffer]
    /// The event that tells the client the upstream failed after the stream had begun.
    func failure(_ message: String) -> ByteBuffer
}

extension Dialect {
    /// An error response in this dialect's shape, with the contract's headers.
    public func errorResponse(_ e: GatewayError, requestID: String? = nil) -> GatewayResponse {
        var response = GatewayResponse.error(e, requestID: requestID)
        response.body = ByteBuffer(bytes: errorBody(e))
        return response
    }
}

/// OpenAI chat completions: the internal form itself, so parsing validates and rendering is the
/// stored bytes unchanged (the hit path stays a copy).
public struct ChatCompletionsDialect: Dialect {
    public let endpoint = "/v1/chat/completions"
    public var answersFromAlias: Bool { true }
    let maxMessages: Int

    public init(maxMessages: Int = .max) {
        self.maxMessages = maxMessages
    }

    public func parse(_ body: ByteBuffer, tenant: String) throws(GatewayError) -> ChatRequest {
        try ChatRequest(body: body.readableBytesView, maxMessages: maxMessages)
    }

    public func render(_ completion: JSONValue, bytes: ByteBuffer, request: ChatRequest?, tenant: String) -> ByteBuffer { bytes }

    public func streamEncoder(request: ChatRequest?, includeUsage: Bool, tenant: String) -> any StreamEncoder {
        ChatStreamEncoder(includeUsage: includeUsage)
    }

    public func errorBody(_ error: GatewayError) -> [UInt8] { error.body }
}

/// Chat completion chunks as OpenAI sends them: `data: {chunk}` events, `data: [DONE]` last.
struct ChatStreamEncoder: StreamEncoder {
    let includeUsage: Bool

    func encode(_ chunk: JSONValue) -> [ByteBuffer] {
        let usageOnly = chunk["choices"]?.arrayValue?.isEmpty ?? false
        if !includeUsage && usageOnly { return [] }
        return [SSE.data(includeUsage ? chunk : chunk.removing(["usage"]))]
    }

    func finish(_ completion: JSONValue?) -> [ByteBuffer] { [SSE.done] }

    func failure(_ message: String) -> ByteBuffer {
        SSE.data(["error": ["message": .string(message), "type": "upstream_error", "param": nil, "code": "upstream_stream_failed"]])
    }
}
