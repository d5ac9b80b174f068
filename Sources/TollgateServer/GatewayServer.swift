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
    /// Builds the router: the chat, embeddings, Messages, Responses, models, health, OpenAPI,
    /// admin and metrics routes; errors in the caller's dialect for everything else (405 with
    /// `Allow` for a wrong method on a known path, 404 for an unknown path).
    public static func router(gateway: Gateway, metrics: PrometheusCollectorRegistry? = nil) -> Router<BasicRequestContext> {
        let router = Router()
        let maxBody = gateway.config.limits.maxBodyBytes
        // The server span of every request (W3C `traceparent` accepted); a no-op unless traces are on.
        router.middlewares.add(TracingMiddleware<BasicRequestContext>())
        router.middlewares.add(AccessLogMiddleware<BasicRequestContext>(logger: gateway.logger))
        router.middlewares.add(OpenAIErrorMiddleware<BasicRequestContext>(maxBodyBytes: maxBody, logger: gateway.logger))
        var routes = RouteTable()
        func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response) {
            routes.add(method, path)
            router.on(RouterPath(stringLiteral: path), method: method, use: handler)
        }
        on(.post, "/v1/chat/completions") { request, _ -> Response in
            let body = try await readBody(request, limit: maxBody)
            let requestID = GatewayServer.requestID(request)
            return Response(await gateway.chat(body: body, headers: request.headers, requestID: requestID))
        }
        on(.post, "/v1/embeddings") { request, _ -> Response in
            let body = try await readBody(request, limit: maxBody)
            let requestID = GatewayServer.requestID(request)
            return Response(await gateway.embeddings(body: body, headers: request.headers, requestID: requestID))
        }
        on(.post, "/v1/messages") { request, _ -> Response in
            try await Response(dialect: gateway.messagesDialect, request, gateway: gateway, limit: maxBody)
        }
        on(.post, "/v1/messages/count_tokens") { request, _ -> Response in
            let requestID = GatewayServer.requestID(request)
            do {
                let body = try await readBody(request, limit: maxBody)
                return Response(gateway.countTokens(body: body, headers: request.headers, requestID: requestID))
            } catch let e as GatewayError {
                return Response(gateway.messagesDialect.errorResponse(e, requestID: requestID))
            }
        }
        on(.post, "/v1/responses") { request, _ -> Response in
            try await Response(dialect: gateway.responsesDialect, request, gateway: gateway, limit: maxBody)
        }
        on(.get, "/v1/responses/{id}") { request, context -> Response in
            Response(gateway.retrieveResponse(id: context.parameters.get("id") ?? "", headers: request.headers))
        }
        on(.get, "/v1/models") { request, _ -> Response in
            Response(gateway.models(headers: request.headers))
        }
        on(.get, "/v1/models/{id}") { request, context -> Response in
            Response(gateway.model(context.parameters.get("id") ?? "", headers: request.headers))
        }
        on(.get, "/healthz") { _, _ -> Response in
            Response(.json(["status": "ok"]))
        }
        on(.get, "/openapi.yaml") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml + "\n")))
        }
        on(.get, "/admin/stats") { request, _ -> Response in
            Response(gateway.adminStats(headers: request.headers))
        }
        on(.post, "/admin/cache/purge") { request, _ -> Response in
            let body = try await readBody(request, limit: maxBody)
            return Response(await gateway.adminPurge(body: body, headers: request.headers))
        }
        on(.get, "/admin/timeseries") { request, _ -> Response in
            Response(gateway.adminTimeseries(minutes: request.uri.queryParameters.get("minutes"), headers: request.headers))
        }
        on(.get, "/admin/review") { request, _ -> Response in
            let q = request.uri.queryParameters
            return Response(gateway.adminReview(tenant: q.get("tenant"), limit: q.get("limit"), headers: request.headers))
        }
        on(.get, "/admin/review/export") { request, _ -> Response in
            Response(gateway.adminReviewExport(headers: request.headers))
        }
        on(.post, "/admin/review/{id}") { request, context -> Response in
            let body = try await readBody(request, limit: maxBody)
            return Response(await gateway.adminReviewMark(id: context.parameters.get("id") ?? "", body: body, headers: request.headers))
        }
        ConsoleAssets.addRoutes(on)
        if metrics != nil {
            let exposition: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
                gateway.refreshCacheMetrics()
                let text = ByteBuffer(bytes: Observability.exposition())
                let headers: HTTPFields = [.contentType: "text/plain; version=0.0.4; charset=utf-8", .contentLength: String(text.readableBytes)]
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: request.method == .head ? ByteBuffer() : text))
            }
            on(.get, "/metrics", exposition)
            on(.head, "/metrics", exposition)
        }
        // Last, so that it sees only the requests no route took (see the middleware).
        router.middlewares.add(MethodNotAllowedMiddleware<BasicRequestContext>(routes: routes, anthropic: gateway.messagesDialect))
        return router
    }

    /// The request's id, as the access-log middleware chose it.
    static func requestID(_ request: Request) -> String {
        AccessRecord.current?.requestID ?? AccessLogMiddleware<BasicRequestContext>.requestID(request)
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

    /// The error of a bind to a port another process holds (`serve` says so and names the address).
    public static func isAddressInUse(_ error: any Error) -> Bool {
        (error as? IOError)?.errnoCode == EADDRINUSE
    }

    /// Builds the application listening on `host:port`. `onListening` gets the bound port
    /// (useful with port 0).
    public static func application(gateway: Gateway, host: String, port: Int, logger: Logger, metrics: PrometheusCollectorRegistry? = nil,
                                   services: [any Service] = [], onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let limits = gateway.config.limits
        let counter = ConnectionCounter(maximum: limits.maxConnections)
        let fastPath = ExactHitResponder.enabled
        return Application(
            router: router(gateway: gateway, metrics: metrics),
            server: .http1(configuration: .init(additionalChannelHandlers: {
                let guardian = ConnectionGuard(limits: limits, counter: counter, logger: logger)
                return fastPath ? [guardian, ExactHitResponder(gateway: gateway, logger: gateway.logger)] : [guardian]
            }())),
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
        let requestID = GatewayServer.requestID(request)
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
