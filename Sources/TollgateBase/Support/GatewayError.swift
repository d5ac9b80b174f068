import HTTPTypes
import Hummingbird
import NIOCore

/// An error that reaches the client in OpenAI's shape:
/// `{"error": {"message", "type", "param", "code"}}` with a matching HTTP status.
public struct GatewayError: Error, HTTPResponseError, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    /// Seconds the client should wait before retrying (sent as `Retry-After`).
    public var retryAfter: Int?
    /// A body to send unchanged instead of the built one (an upstream's own 4xx answer).
    public var rawBody: [UInt8]?
    /// The provider whose answer this error carries, if any.
    public var provider: String?

    public init(status: HTTPResponse.Status, message: String, type: String, param: String? = nil, code: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.message = Secrets.redact(message)  // a message may quote an upstream
        self.type = type
        self.param = param
        self.code = code
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status.code) \(type)\(code.map { "/\($0)" } ?? ""): \(message)" }

    // MARK: The errors the gateway gives

    /// The code of offline mode's answer when no fixture matches (a 404).
    public static let offlineNoFixture = "offline_no_fixture"
    /// 404: offline mode has nothing that answers this request. A 404, not a 503: the SDKs
    /// retry 408, 409, 429 and every 5xx, and a missing recording is not there on a retry.
    public static func offlineMiss(_ message: String) -> GatewayError {
        GatewayError(status: .notFound, message: message, type: "invalid_request_error", code: offlineNoFixture)
    }

    /// 400: the request is not valid; `param` names the field.
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> GatewayError {
        GatewayError(status: .badRequest, message: message, type: "invalid_request_error", param: param, code: code)
    }
    /// 401: missing or wrong API key.
    public static func unauthorized(_ message: String) -> GatewayError {
        GatewayError(status: .unauthorized, message: message, type: "invalid_request_error", code: "invalid_api_key")
    }
    /// 404: no provider serves the model.
    public static func modelNotFound(_ model: String) -> GatewayError {
        GatewayError(status: .notFound, message: "The model `\(model)` does not exist or is not served by this gateway. GET /v1/models lists the models it serves.",
                     type: "invalid_request_error", param: "model", code: "model_not_found")
    }
    /// 404: unknown route.
    public static func routeNotFound(_ method: String, _ path: String) -> GatewayError {
        GatewayError(status: .notFound, message: "Unknown route: \(method) \(path).", type: "invalid_request_error", code: "unknown_url")
    }
    /// 405: a known route asked with a method it does not take; `allowed` goes in `Allow`.
    public static func methodNotAllowed(_ method: String, _ path: String, allowed: [String]) -> GatewayError {
        GatewayError(status: .methodNotAllowed, message: "Method \(method) is not allowed on \(path); it takes \(allowed.joined(separator: ", ")).",
                     type: "invalid_request_error", code: "method_not_allowed")
    }
    /// 413: body larger than `limits.max_body_bytes`.
    public static func bodyTooLarge(limit: Int) -> GatewayError {
        GatewayError(status: .contentTooLarge, message: "The request body is larger than the limit of \(limit) bytes (limits.max_body_bytes).",
                     type: "invalid_request_error", code: "request_too_large")
    }
    /// 502: the upstream answered with an error or garbage, or could not be reached.
    public static func badGateway(_ message: String, code: String = "upstream_error") -> GatewayError {
        GatewayError(status: .badGateway, message: message, type: "upstream_error", code: code)
    }
    /// 503: no provider can take the request now.
    public static func unavailable(_ message: String, code: String, retryAfter: Int? = nil) -> GatewayError {
        GatewayError(status: .serviceUnavailable, message: message, type: "upstream_error", code: code, retryAfter: retryAfter)
    }
    /// 429: every provider that could answer is rate limited. A 429 (not a 503), so that the
    /// SDKs raise their rate-limit error and wait `Retry-After` before trying again.
    public static func upstreamRateLimited(_ message: String, retryAfter: Int) -> GatewayError {
        GatewayError(status: .tooManyRequests, message: message, type: "rate_limit_error", code: "upstream_rate_limited", retryAfter: retryAfter)
    }
    /// 504: the upstream did not answer in time.
    public static func gatewayTimeout(_ message: String) -> GatewayError {
        GatewayError(status: .gatewayTimeout, message: message, type: "upstream_error", code: "upstream_timeout")
    }

    /// The JSON body of this error.
    public var body: [UInt8] {
        if let rawBody { return rawBody }
        let error: JSONValue = [
            "message": .string(message),
            "type": .string(type),
            "param": param.map { .string($0) } ?? .null,
            "code": code.map { .string($0) } ?? .null,
        ]
        return JSONValue.object([("error", error)]).jsonBytes
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let provider { headers[HTTPField.Name("x-tollgate-provider")!] = provider }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
