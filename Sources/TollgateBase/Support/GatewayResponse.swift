import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// A response body written as it is produced (a streamed answer). It must finish the writer.
public typealias StreamingBody = @Sendable (inout any ResponseBodyWriter) async throws -> Void

/// A response of the request path, independent of the HTTP server (tests drive the gateway
/// without a socket; the server turns this into a Hummingbird response).
public struct GatewayResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: ByteBuffer
    /// Set for streamed answers; `body` is then empty.
    public var stream: StreamingBody?

    public init(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], body: ByteBuffer, stream: StreamingBody? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = stream
    }

    /// Marks a cached answer as found by the semantic layer, with the prompts' similarity.
    public mutating func markSemantic(_ similarity: Float) {
        headers[Header.cache] = "semantic-hit"
        headers[Header.similarity] = String(format: "%.4f", similarity)
    }

    /// Marks an offline miss: a miss of the fixture cache (counted as a miss, never as a hit in
    /// the hit ratio) that no retry changes (`x-should-retry: false`).
    public mutating func markOfflineMiss() {
        headers[Header.cache] = "miss"
        headers[Header.shouldRetry] = "false"
    }

    /// How the answer was obtained, as sent in `x-tollgate-cache`.
    public var cacheResult: String? { headers[Header.cache] }

    /// Response header names of the contract.
    public enum Header {
        public static let cache = HTTPField.Name("x-tollgate-cache")!
        public static let provider = HTTPField.Name("x-tollgate-provider")!
        public static let cost = HTTPField.Name("x-tollgate-cost-usd")!
        public static let saved = HTTPField.Name("x-tollgate-saved-usd")!
        public static let similarity = HTTPField.Name("x-tollgate-similarity")!
        public static let requestID = HTTPField.Name("x-request-id")!
        public static let age = HTTPField.Name("age")!
        /// `false` on an answer no retry can change (the OpenAI and Anthropic SDKs obey it).
        public static let shouldRetry = HTTPField.Name("x-should-retry")!
    }

    /// An OpenAI-shaped error response.
    public static func error(_ e: GatewayError, requestID: String? = nil) -> GatewayResponse {
        AccessRecord.current?.set(errorCode: e.code ?? e.type)
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retry = e.retryAfter { headers[.retryAfter] = String(retry) }
        if let provider = e.provider { headers[Header.provider] = provider }
        if let requestID { headers[Header.requestID] = requestID }
        return GatewayResponse(status: e.status, headers: headers, body: ByteBuffer(bytes: e.body))
    }

    /// A JSON response.
    public static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> GatewayResponse {
        GatewayResponse(status: status, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: value.jsonBytes))
    }
}

extension Response {
    /// The Hummingbird response for a pipeline response (streamed or whole). A large body is
    /// written in 64 KiB slices (views, not copies), so that `limits.send_timeout_ms` sees a
    /// slow but reading client make progress slice by slice.
    public init(_ r: GatewayResponse) {
        if let stream = r.stream {
            self.init(status: r.status, headers: r.headers, body: ResponseBody(stream))
        } else if r.body.readableBytes > Response.sliceBytes {
            var rest = r.body
            var slices: [ByteBuffer] = []
            while let slice = rest.readSlice(length: Swift.min(Response.sliceBytes, rest.readableBytes)), slice.readableBytes > 0 { slices.append(slice) }
            self.init(status: r.status, headers: r.headers, body: ResponseBody(contentsOf: slices))
        } else {
            self.init(status: r.status, headers: r.headers, body: .init(byteBuffer: r.body))
        }
    }

    static let sliceBytes = 64 << 10
}
