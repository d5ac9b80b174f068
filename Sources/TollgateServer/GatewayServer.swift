import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import ServiceLifecycle
import TollgateBase
import TollgatePipeline
import TollgateDialects

/// The HTTP face of the gateway (Hummingbird 2): the contract's routes over a `Gateway`.
public enum GatewayServer {
    /// Builds the router: `POST /v1/chat/completions`, `GET /v1/models`, `GET /healthz`, and
    /// OpenAI-shaped errors for everything else.
    public static func router(gateway: Gateway, metrics: PrometheusCollectorRegistry? = nil) -> Router<BasicRequestContext> {
        let router = Router()
        let maxBody = gateway.config.limits.maxBodyBytes
        router.middlewares.add(RequestMetricsMiddleware<BasicRequestContext>())
        router.middlewares.add(OpenAIErrorMiddleware<BasicRequestContext>(maxBodyBytes: maxBody, logger: gateway.logger))
        router.post("/v1/chat/completions") { request, _ -> Response in
            let body = try await readBody(request, limit: maxBody)
            let requestID = request.headers[GatewayResponse.Header.requestID] ?? RequestIDs.next()
            return Response(await gateway.chat(body: body, headers: request.headers, requestID: requestID))
        }
        router.post("/v1/embeddings") { request, _ -> Response in
            let body = try await readBody(request, limit: maxBody)
            let requestID = request.headers[GatewayResponse.Header.requestID] ?? RequestIDs.next()
            return Response(await gateway.embeddings(body: body, headers: request.headers, requestID: requestID))
        }
        router.post("/v1/messages") { request, _ -> Response in
            try await Response(dialect: gateway.messagesDialect, request, gateway: gateway, limit: maxBody)
        }
        router.post("/v1/messages/count_tokens") { request, _ -> Response in
            let requestID = request.headers[GatewayResponse.Header.requestID] ?? RequestIDs.next()
            do {
                let body = try await readBody(request, limit: maxBody)
                return Response(gateway.countTokens(body: body, headers: request.headers, requestID: requestID))
            } catch let e as GatewayError {
                return Response(gateway.messagesDialect.errorResponse(e, requestID: requestID))
            }
        }
        router.post("/v1/responses") { request, _ -> Response in
            try await Response(dialect: gateway.responsesDialect, request, gateway: gateway, limit: maxBody)
        }
        router.get("/v1/responses/{id}") { request, context -> Response in
            Response(gateway.retrieveResponse(id: context.parameters.get("id") ?? "", headers: request.headers))
        }
        router.get("/v1/models") { request, _ -> Response in
            Response(gateway.models(headers: request.headers))
        }
        router.get("/v1/models/{id}") { request, context -> Response in
            Response(gateway.model(context.parameters.get("id") ?? "", headers: request.headers))
        }
        router.get("/healthz") { _, _ -> Response in
            Response(.json(["status": "ok"]))
        }
        router.get("/openapi.yaml") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml + "\n")))
        }
        router.get("/admin/stats") { request, _ -> Response in
            Response(gateway.adminStats(headers: request.headers))
        }
        router.post("/admin/cache/purge") { request, _ -> Response in
            let body = try await readBody(request, limit: maxBody)
            return Response(await gateway.adminPurge(body: body, headers: request.headers))
        }
        router.get("/admin/timeseries") { request, _ -> Response in
            Response(gateway.adminTimeseries(minutes: request.uri.queryParameters.get("minutes"), headers: request.headers))
        }
        router.get("/admin/review") { request, _ -> Response in
            let q = request.uri.queryParameters
            return Response(gateway.adminReview(tenant: q.get("tenant"), limit: q.get("limit"), headers: request.headers))
        }
        router.get("/admin/review/export") { request, _ -> Response in
            Response(gateway.adminReviewExport(headers: request.headers))
        }
        router.post("/admin/review/{id}") { request, context -> Response in
            let body = try await readBody(request, limit: maxBody)
            return Response(await gateway.adminReviewMark(id: context.parameters.get("id") ?? "", body: body, headers: request.headers))
        }
        ConsoleAssets.addRoutes(to: router)
        if let metrics {
            router.get("/metrics") { _, _ -> Response in
                gateway.refreshCacheMetrics()
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
            }
        }
        return router
    }

    /// Reads the whole body, refusing more than `limit` bytes with a 413 (early, from
    /// `Content-Length`, when the client sends one).
    static func readBody(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
    }

    /// Builds the application listening on `host:port`. `onListening` gets the bound port
    /// (useful with port 0).
    public static func application(gateway: Gateway, host: String, port: Int, logger: Logger, metrics: PrometheusCollectorRegistry? = nil,
                                   services: [any Service] = [], onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let limits = gateway.config.limits
        let counter = ConnectionCounter(maximum: limits.maxConnections)
        return Application(
            router: router(gateway: gateway, metrics: metrics),
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuard(limits: limits, counter: counter, logger: logger)])),
            configuration: .init(address: .hostname(host, port: port), serverName: "tollgate"),
            services: services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}

extension Response {
    /// Reads the body and runs one dialect's request through the gateway; a body over the limit
    /// is a 413 in the dialect's own error shape.
    init(dialect: any Dialect, _ request: Request, gateway: Gateway, limit: Int) async throws {
        let requestID = request.headers[GatewayResponse.Header.requestID] ?? RequestIDs.next()
        let body: ByteBuffer
        do {
            body = try await GatewayServer.readBody(request, limit: limit)
        } catch let e as GatewayError {
            self.init(dialect.errorResponse(e, requestID: requestID))
            return
        }
        self.init(await gateway.handle(dialect, body: body, headers: request.headers, requestID: requestID))
    }

}

/// Request ids: a per-process prefix and a counter (cheap, unique, sortable in logs).
enum RequestIDs {
    static let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    static let counter = Atomic<Int>(0)
    static func next() -> String {
        "req-\(prefix)-\(counter.wrappingAdd(1, ordering: .relaxed).newValue)"
    }
}

import Synchronization

/// Counts every request in `tollgate_requests_total{route,status,cache}`.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The path as the router matched it: `//admin/stats` is served as `/admin/stats`, so it
    /// is counted as that route (not as "other").
    static func normalised(_ path: String) -> String {
        guard path.contains("//") else { return path }
        return "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        Observability.request(path: Self.normalised(request.uri.path), status: response.status.code, cache: response.headers[GatewayResponse.Header.cache])
        return response
    }
}

/// Turns every error into OpenAI's error shape: unknown routes (404), oversized bodies (413),
/// framework errors with their status, and — only for the gateway's own bugs — a logged 500.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as GatewayError {
            return Response(GatewayResponse.error(e))
        } catch is NIOTooManyBytesError {
            return Response(GatewayResponse.error(.bodyTooLarge(limit: maxBodyBytes)))
        } catch let e as HTTPParserError {
            // A body the HTTP decoder rejects (a chunk size line `zz`): the client's fault.
            return Response(GatewayResponse.error(.invalidRequest("The request body is not valid HTTP/1.1 (\(e)).", code: "invalid_http")))
        } catch let e as HTTPError {
            if e.status == .notFound { return Response(GatewayResponse.error(.routeNotFound(request.method.rawValue, request.uri.path))) }
            if e.status == .contentTooLarge { return Response(GatewayResponse.error(.bodyTooLarge(limit: maxBodyBytes))) }
            let type = e.status.code < 500 ? "invalid_request_error" : "server_error"
            return Response(GatewayResponse.error(GatewayError(status: e.status, message: e.body ?? e.status.reasonPhrase, type: type)))
        } catch let e as any HTTPResponseError where e.status.code < 500 {
            return Response(GatewayResponse.error(GatewayError(status: e.status, message: e.status.reasonPhrase, type: "invalid_request_error")))
        } catch {
            logger.error("internal error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Response(GatewayResponse.error(GatewayError(status: .internalServerError, message: "The gateway hit an internal error; it has been logged.", type: "server_error")))
        }
    }
}
