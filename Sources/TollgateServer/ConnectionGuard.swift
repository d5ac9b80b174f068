import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Synchronization
import TollgateBase

/// The open connections of one server, shared by every connection's `ConnectionGuard`.
public final class ConnectionCounter: Sendable {
    /// Most connections open at once; the next one is closed as soon as it is accepted.
    public let maximum: Int
    private let open = Atomic<Int>(0)
    private let refusedCount = Atomic<Int>(0)

    public init(maximum: Int) { self.maximum = maximum }

    /// Connections open now.
    public var current: Int { open.load(ordering: .relaxed) }
    /// Connections closed on accept because `maximum` were open.
    public var refused: Int { refusedCount.load(ordering: .relaxed) }

    /// Counts a new connection; false (and not counted) when `maximum` are already open.
    func tryOpen() -> Bool {
        if open.wrappingAdd(1, ordering: .relaxed).newValue > maximum {
            open.wrappingSubtract(1, ordering: .relaxed)
            refusedCount.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func closed() { open.wrappingSubtract(1, ordering: .relaxed) }
}

/// Per-connection timeouts and the connection cap, after the HTTP/1 decoder in Hummingbird's
/// child channel (`HTTP1Channel.Configuration.additionalChannelHandlers`). One timer at a time:
/// - waiting for the first request's head: `headerTimeout` from accept — a total, like nginx's
///   `client_header_timeout`, so a header trickled one byte at a time is closed all the same;
/// - reading a body: `bodyTimeout` between two reads (nginx's `client_body_timeout`), so a short
///   `Content-Length` or an unterminated chunked body is closed;
/// - after the last response, waiting for the next head: `idleTimeout` (nginx's `keepalive_timeout`);
/// - while a request is being answered (the upstream call, a long stream): none — the upstream
///   timeouts bound that.
/// A timer that fires closes the connection. It also answers `Expect: 100-continue`, and a head
/// the HTTP decoder rejects gets an OpenAI-shaped 400 (431 for oversized headers) instead of a
/// bare one.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let headerTimeout: TimeAmount
    let bodyTimeout: TimeAmount
    let idleTimeout: TimeAmount
    let counter: ConnectionCounter
    let logger: Logger
    let maxBodyBytes: Int

    private var timer: Scheduled<Void>?
    private var started = false
    private var reading = false
    private var inFlight = 0

    init(limits: GatewayConfig.Limits, counter: ConnectionCounter, logger: Logger) {
        headerTimeout = .milliseconds(Int64(limits.headerTimeoutMs))
        bodyTimeout = .milliseconds(Int64(limits.bodyTimeoutMs))
        idleTimeout = .milliseconds(Int64(limits.idleTimeoutMs))
        self.counter = counter
        self.logger = logger
        maxBodyBytes = limits.maxBodyBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        guard counter.tryOpen() else {
            logger.debug("connection refused: at limits.max_connections", metadata: ["max": "\(counter.maximum)"])
            context.close(promise: nil)
            return
        }
        let counter = self.counter
        context.channel.closeFuture.whenComplete { _ in counter.closed() }
        arm(context, headerTimeout, "header")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            reading = true
            inFlight += 1
            arm(context, bodyTimeout, "body")
            // A client waiting for 100 Continue gets it, unless its body is over the limit
            // (then the 413 comes at once, and the body need not be sent).
            if head.headerFields[.expect]?.lowercased() == "100-continue",
               (head.headerFields[.contentLength].flatMap(Int.init) ?? 0) <= maxBodyBytes {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
        case .body:
            if reading { arm(context, bodyTimeout, "body") }
        case .end:
            reading = false
            cancel()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inFlight = max(0, inFlight - 1)
            if inFlight == 0 && !reading { arm(context, idleTimeout, "idle") }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed head (nothing of this request reached the router): answer in OpenAI's
        // shape and close. A malformed body goes on to the route, whose read fails with a 400.
        guard let parse = error as? HTTPParserError, !reading, inFlight == 0 else {
            context.fireErrorCaught(error)
            return
        }
        let tooLarge = parse == .headerOverflow
        let status: HTTPResponse.Status = tooLarge ? .requestHeaderFieldsTooLarge : .badRequest
        let message = tooLarge ? "The request's headers are too large." : "The request is not valid HTTP/1.1 (\(parse))."
        let body = GatewayResponse.error(GatewayError(status: status, message: message, type: "invalid_request_error", code: "invalid_http")).body
        let head = HTTPResponse(status: status, headerFields: [.contentType: "application/json", .contentLength: "\(body.readableBytes)", .connection: "close"])
        logger.debug("malformed request head", metadata: ["error": "\(parse)"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
        cancel()
    }

    private func arm(_ context: ChannelHandlerContext, _ amount: TimeAmount, _ phase: String) {
        cancel()
        let loop = context.eventLoop.assumeIsolatedUnsafeUnchecked()
        let logger = self.logger
        timer = loop.scheduleTask(in: amount) { [self] in
            timer = nil
            logger.debug("connection closed: \(phase) timeout", metadata: ["after_ms": "\(amount.nanoseconds / 1_000_000)"])
            context.close(promise: nil)
        }
    }

    private func cancel() {
        timer?.cancel()
        timer = nil
    }
}
