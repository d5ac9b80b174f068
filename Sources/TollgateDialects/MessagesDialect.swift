import Foundation
import NIOCore
import TollgateBase
import TollgateExactCache

/// Anthropic's Messages API (`POST /v1/messages`) as an ingress dialect. A request is validated
/// in Anthropic's terms, translated into the internal chat form (so that it shares cache entries
/// with the same question asked through chat completions or Responses), and keeps its original
/// body so that an Anthropic upstream gets it without a lossy round trip (blocks,
/// `cache_control`, `thinking`). Answers are rendered as Anthropic `message` objects, streams as
/// Anthropic's event sequence, errors as `{"type":"error","error":{"type","message"}}`.
public struct MessagesDialect: Dialect {
    public let endpoint = "/v1/messages"
    public var answersFromAlias: Bool { true }
    let maxMessages: Int

    public init(maxMessages: Int = .max) {
        self.maxMessages = maxMessages
    }

    public func parse(_ body: ByteBuffer, tenant: String) throws(GatewayError) -> ChatRequest {
        let json: JSONValue
        do {
            json = try JSONValue.parse(body.readableBytesView)
        } catch {
            throw .invalidRequest("The request body is not valid JSON: \(error)", code: "invalid_json")
        }
        return try MessagesDialect.request(json, maxMessages: maxMessages)
    }

    /// Validates a Messages body and builds the internal request from it.
    public static func request(_ json: JSONValue, maxMessages: Int = .max) throws(GatewayError) -> ChatRequest {
        let chat = try MessagesTranslation.chatBody(json)
        var request = try ChatRequest(json: chat, maxMessages: maxMessages)
        request.origin = .messages(json)
        return request
    }

    public func render(_ completion: JSONValue, bytes: ByteBuffer, request: ChatRequest?, tenant: String) -> ByteBuffer {
        ByteBuffer(bytes: MessagesTranslation.message(from: completion).jsonBytes)
    }

    public func streamEncoder(request: ChatRequest?, includeUsage: Bool, tenant: String) -> any StreamEncoder {
        MessagesStreamEncoder()
    }

    public func errorBody(_ error: GatewayError) -> [UInt8] {
        MessagesDialect.errorBody(error)
    }

    /// Anthropic's error shape; the type follows the status as Anthropic's API (and so its SDK's
    /// error classes) does.
    static func errorBody(_ error: GatewayError) -> [UInt8] {
        var message = error.message
        if let raw = error.rawBody, let parsed = try? JSONValue.parse(raw), let m = parsed["error"]?["message"]?.stringValue { message = m }
        let object: JSONValue = ["type": "error", "error": ["type": .string(errorType(error.status.code)), "message": .string(message)]]
        return object.jsonBytes
    }

    static func errorType(_ status: Int) -> String {
        switch status {
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 429: return "rate_limit_error"
        case 529: return "overloaded_error"
        case 400..<500: return "invalid_request_error"
        case 503: return "overloaded_error"
        default: return "api_error"
        }
    }

    /// `POST /v1/messages/count_tokens`: the prompt's size as the router estimates it.
    public static func countTokens(_ body: ByteBuffer) throws(GatewayError) -> JSONValue {
        let json: JSONValue
        do {
            json = try JSONValue.parse(body.readableBytesView)
        } catch {
            throw .invalidRequest("The request body is not valid JSON: \(error)", code: "invalid_json")
        }
        // count_tokens takes no max_tokens; validate the rest as a Messages request.
        let withMax = json["max_tokens"] == nil ? json.setting("max_tokens", 1) : json
        let request = try MessagesDialect.request(withMax.removing(["stream"]))
        return ["input_tokens": .int(request.estimatedPromptTokens)]
    }
}
