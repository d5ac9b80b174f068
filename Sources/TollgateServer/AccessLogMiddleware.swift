import Foundation
import HTTPTypes
import Hummingbird
import Logging
import TollgateBase

/// The outermost middleware: gives every request an id (the client's `x-request-id` when it
/// sends a short one), binds an `AccessRecord` for the pipeline to fill in, and when the answer
/// is complete — a streamed one at its last byte — writes one access-log line at info and
/// counts the request in `tollgate_requests_total` and `tollgate_request_duration_seconds`.
///
/// The line's fields: `request_id`, `method`, `route`, `status`, `cache`, `similarity` (semantic
/// hits), `provider`, `tenant`, `model`, `cost_usd` and `saved_usd` (numbers), `latency_ms`
/// (a number), `error` (the error code of an error answer) and, for unknown routes, `path`.
/// Never prompt text, bodies or keys.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    /// The path as the router matches it: `//admin/stats` is served as `/admin/stats`, so it is
    /// counted and logged as that route (not as "other").
    static func normalised(_ path: String) -> String {
        guard path.contains("//") else { return path }
        return "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    /// The client's request id if it is short and printable, else a fresh one.
    static func requestID(_ request: Request) -> String { requestID(request.headers) }

    /// The request id for these request headers (see `requestID(_:)`).
    static func requestID(_ headers: HTTPFields) -> String {
        if let given = headers[GatewayResponse.Header.requestID], !given.isEmpty, given.utf8.count <= 128,
           given.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) {
            return given
        }
        return RequestIDs.next()
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let record = AccessRecord(requestID: Self.requestID(request))
        let path = Self.normalised(request.uri.path)
        let method = request.method.rawValue
        var response: Response
        do {
            response = try await AccessRecord.$current.withValue(record) { try await next(request, context) }
        } catch {
            // The error middleware inside turns every error into a response; this is a backstop.
            Self.finish(record, logger: logger, method: method, path: path, status: 500, headers: [:], started: started)
            throw error
        }
        if response.headers[GatewayResponse.Header.requestID] == nil { response.headers[GatewayResponse.Header.requestID] = record.requestID }
        let status = response.status.code
        let headers = response.headers
        if response.body.contentLength == nil {
            // Written after this returns: log when its last byte is out (or the client left).
            let body = response.body
            let logger = self.logger
            response.body = ResponseBody { writer in
                do {
                    try await body.write(writer)
                } catch {
                    Self.finish(record, logger: logger, method: method, path: path, status: status, headers: headers, started: started, aborted: true)
                    throw error
                }
                Self.finish(record, logger: logger, method: method, path: path, status: status, headers: headers, started: started)
            }
        } else {
            Self.finish(record, logger: logger, method: method, path: path, status: status, headers: headers, started: started)
        }
        return response
    }

    /// Writes the line and counts the request.
    static func finish(_ record: AccessRecord, logger: Logger, method: String, path: String, status: Int, headers: HTTPFields,
                       started: ContinuousClock.Instant, aborted: Bool = false) {
        let elapsed = ContinuousClock.now - started
        let route = Observability.route(path)
        let cache = headers[GatewayResponse.Header.cache]
        Observability.request(route: route, status: status, cache: cache, duration: elapsed)
        guard logger.logLevel <= .info else { return }
        let f = record.fields
        var m: Logger.Metadata = [
            "request_id": "\(f.requestID)", "method": "\(method)", "route": "\(route)", "status": .stringConvertible(LogNumber(status)),
            "cache": "\(cache ?? "none")",
            "latency_ms": .stringConvertible(LogNumber(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15, decimals: 3)),
        ]
        if route == "other" { m["path"] = "\(path.prefix(200))" }
        if let t = f.tenant { m["tenant"] = "\(t)" }
        if let model = f.model { m["model"] = "\(model.prefix(200))" }
        if let p = headers[GatewayResponse.Header.provider] { m["provider"] = "\(p)" }
        if let s = headers[GatewayResponse.Header.similarity].flatMap(Double.init) { m["similarity"] = .stringConvertible(LogNumber(s, decimals: 4)) }
        if let cost = headers[GatewayResponse.Header.cost].flatMap(Double.init) ?? f.streamedCostUSD { m["cost_usd"] = .stringConvertible(LogNumber(usd: cost)) }
        if let saved = headers[GatewayResponse.Header.saved].flatMap(Double.init) { m["saved_usd"] = .stringConvertible(LogNumber(usd: saved)) }
        if let e = f.errorCode { m["error"] = "\(e)" }
        if aborted { m["aborted"] = "true" }
        logger.info("request", metadata: m)
    }
}

/// The access-log line of a request answered before it reached the router: a head the HTTP
/// parser rejected (400, or 431 for oversized headers), answered by `ConnectionGuard`. Method and
/// route are unknown ("-"); the line has the same fields as the others where they are known.
enum AccessLog {
    static func rejected(logger: Logger, requestID: String, status: Int, error: String, parserError: String, duration: Duration) {
        Observability.request(route: "-", status: status, cache: nil, duration: duration)
        guard logger.logLevel <= .info else { return }
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        logger.info("request", metadata: [
            "request_id": "\(requestID)", "method": "-", "route": "-", "status": .stringConvertible(LogNumber(status)), "cache": "none",
            "latency_ms": .stringConvertible(LogNumber(ms, decimals: 3)), "error": "\(error)", "parser_error": "\(parserError)",
        ])
    }
}
