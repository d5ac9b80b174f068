#if canImport(Glibc)
import Glibc
#endif
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
/// - after the last response, waiting for the next head: `idleTimeout` (nginx's `keepalive_timeout`)
///   until its first byte, then `headerTimeout` for the rest of it (as nginx), so a keep-alive
///   connection that trickles its next head is closed as soon as a new one would be;
/// - while a request is being answered (the upstream call, a long stream): none — the upstream
///   timeouts bound that;
/// - apart from those, while bytes wait to be sent: `sendTimeout` without progress (nginx's
///   `send_timeout`: no write completes because the client does not read). Such a connection is
///   reset (nginx's `reset_timedout_connection`), so its kernel buffers are freed at once too.
/// The idle timer starts once the last response has been sent, not when it was handed over.
/// A timer that fires closes the connection. It also answers `Expect: 100-continue`, and a head
/// the HTTP decoder rejects gets an OpenAI-shaped 400 (431 for oversized headers) instead of a
/// bare one, with its access-log line (`AccessLog.rejected`).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let headerTimeout: TimeAmount
    let bodyTimeout: TimeAmount
    let idleTimeout: TimeAmount
    let sendTimeout: TimeAmount
    let counter: ConnectionCounter
    let logger: Logger
    let maxBodyBytes: Int

    /// The one scheduled task behind the header, body and idle timeouts, and when it fires. It is
    /// lazy: arming or cancelling a timeout only moves `deadline` (no task is scheduled or cancelled
    /// per request, which cost a tenth of an exact hit); the task, when it fires, closes the connection
    /// if `deadline` has passed, or waits again until it. A task is replaced only by an earlier one.
    private var timer: Scheduled<Void>?
    private var timerFiresAt = NIODeadline.distantFuture
    /// When the current timeout expires; nil when none is set.
    private var deadline: NIODeadline?
    private var timeoutAmount = TimeAmount.zero
    /// What `deadline` waits for ("header", "body", "idle"), empty when none is set.
    private var phase = ""
    private var started = false
    private var reading = false
    private var inFlight = 0
    /// The send timer, and the writes handed on and not yet completed.
    private var sendTimer: Scheduled<Void>?
    private var unsent = 0
    private var lastProgress = NIODeadline.now()
    /// When the first byte of a request not yet parsed arrived (for a rejected head's access line).
    private var arrivedAt: NIODeadline?
    /// A malformed head has been answered (the connection is closing).
    private var rejected = false

    init(limits: GatewayConfig.Limits, counter: ConnectionCounter, logger: Logger) {
        headerTimeout = .milliseconds(Int64(limits.headerTimeoutMs))
        bodyTimeout = .milliseconds(Int64(limits.bodyTimeoutMs))
        idleTimeout = .milliseconds(Int64(limits.idleTimeoutMs))
        sendTimeout = .milliseconds(Int64(limits.sendTimeoutMs))
        self.counter = counter
        self.logger = logger
        maxBodyBytes = limits.maxBodyBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Sees the raw bytes before the HTTP decoder: the first byte of a next request.
        try? context.pipeline.syncOperations.addHandler(FirstByteObserver(self), position: .first)
        // Sees HTTP/1's own heads (their version) before they become HTTPTypes requests.
        if let decoder = try? context.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self) {
            try? context.pipeline.syncOperations.addHandler(KeepAliveMarker(), position: .after(decoder))
        }
        if context.channel.isActive { start(context) }
    }

    /// Bytes arrived: while idle between requests they begin a head, which then has
    /// `headerTimeout` to complete.
    fileprivate func bytesArrived(_ context: ChannelHandlerContext) {
        if phase == "idle" { arm(context, headerTimeout, "header") }
        if arrivedAt == nil, !reading, inFlight == 0 { arrivedAt = .now() }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        cancelSend()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        cancelSend()
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
            // CONNECT asks for a tunnel; the HTTP decoder reads nothing after it on this
            // connection, so it gets its answer and the connection is closed.
            if head.method == .connect {
                guard !rejected else { return }
                reject(context, status: .methodNotAllowed, code: "method_not_allowed", detail: "CONNECT",
                       message: "CONNECT is not supported: Tollgate is an HTTP API gateway, not a forward proxy.")
                return
            }
            arrivedAt = nil
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
        var isEnd = false
        if case .end = unwrapOutboundIn(data) {
            isEnd = true
            inFlight = max(0, inFlight - 1)
        }
        let written = promise ?? context.eventLoop.makePromise(of: Void.self)
        if unsent == 0 { lastProgress = .now() }
        unsent += 1
        if sendTimer == nil { armSend(context, at: lastProgress + sendTimeout) }
        written.futureResult.assumeIsolatedUnsafeUnchecked().whenComplete { [self] result in
            unsent -= 1
            lastProgress = .now()
            // The send timer is left to fire: with nothing unsent by then it just ends (no task
            // is cancelled and scheduled again per answer).
            // The next request's wait starts once this answer has left, not while it is queued.
            if isEnd, case .success = result, inFlight == 0, !reading, context.channel.isActive { arm(context, idleTimeout, "idle") }
        }
        context.write(data, promise: written)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed head (nothing of this request reached the router): answer in OpenAI's
        // shape and close. A malformed body goes on to the route, whose read fails with a 400.
        guard let parse = error as? HTTPParserError, !reading, inFlight == 0 else {
            context.fireErrorCaught(error)
            return
        }
        // One answer (and one access line) per connection: it is closed after this one.
        guard !rejected else { return }
        let tooLarge = parse == .headerOverflow
        let status: HTTPResponse.Status = tooLarge ? .requestHeaderFieldsTooLarge : .badRequest
        let message = tooLarge ? "The request's headers are too large." : "The request is not valid HTTP/1.1 (\(parse))."
        logger.debug("malformed request head", metadata: ["error": "\(parse)"])
        reject(context, status: status, code: "invalid_http", detail: "\(parse)", message: message)
    }

    /// Answers a request that never reaches the router (in OpenAI's shape, `Connection: close`),
    /// logs its access line once the answer is out, and closes the connection.
    private func reject(_ context: ChannelHandlerContext, status: HTTPResponse.Status, code: String, detail: String, message: String) {
        rejected = true
        let body = GatewayResponse.error(GatewayError(status: status, message: message, type: "invalid_request_error", code: code)).body
        let requestID = RequestIDs.next()
        var fields: HTTPFields = [.contentType: "application/json", .contentLength: "\(body.readableBytes)", .connection: "close"]
        fields[GatewayResponse.Header.requestID] = requestID
        let head = HTTPResponse(status: status, headerFields: fields)
        let arrived = arrivedAt ?? .now()
        arrivedAt = nil
        let logger = self.logger, statusCode = Int(status.code)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolatedUnsafeUnchecked().whenComplete { _ in
            // Answered, so it has its access-log line too, once the answer is out (method and route unknown: "-").
            AccessLog.rejected(logger: logger, requestID: requestID, status: statusCode, error: code, parserError: detail,
                               duration: .nanoseconds((NIODeadline.now() - arrived).nanoseconds))
            context.close(promise: nil)
        }
        cancel()
    }

    private func arm(_ context: ChannelHandlerContext, _ amount: TimeAmount, _ phase: String) {
        self.phase = phase
        timeoutAmount = amount
        let due = NIODeadline.now() + amount
        deadline = due
        if timer == nil || timerFiresAt > due { schedule(context, at: due) }
    }

    private func schedule(_ context: ChannelHandlerContext, at due: NIODeadline) {
        timer?.cancel()
        timerFiresAt = due
        let loop = context.eventLoop.assumeIsolatedUnsafeUnchecked()
        timer = loop.scheduleTask(deadline: due) { [self] in
            timer = nil
            timerFiresAt = .distantFuture
            guard let deadline else { return }
            if deadline > .now() { schedule(context, at: deadline); return }
            let phase = self.phase
            cancel()
            logger.debug("connection closed: \(phase) timeout", metadata: ["after_ms": "\(timeoutAmount.nanoseconds / 1_000_000)"])
            context.close(promise: nil)
        }
    }

    /// No timeout until the next `arm` (the scheduled task, if any, then finds nothing to do).
    private func cancel() {
        deadline = nil
        phase = ""
    }

    /// Drops the scheduled task too (the connection is going away).
    private func cancelTimer() {
        cancel()
        timer?.cancel()
        timer = nil
        timerFiresAt = .distantFuture
    }

    /// Fires at `deadline`; closes the connection if nothing was sent since `sendTimeout` ago,
    /// else waits again from the last progress. One timer per stall, not one per write.
    private func armSend(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loop = context.eventLoop.assumeIsolatedUnsafeUnchecked()
        sendTimer = loop.scheduleTask(deadline: deadline) { [self] in
            sendTimer = nil
            guard unsent > 0 else { return }
            let due = lastProgress + sendTimeout
            if due > .now() { armSend(context, at: due); return }
            logger.debug("connection reset: send timeout", metadata: ["after_ms": "\(sendTimeout.nanoseconds / 1_000_000)", "unsent_writes": "\(unsent)"])
            cancel()
            // SO_LINGER 0: the close is a reset, and the unsent bytes are dropped at once.
            if let socket = context.channel as? any SocketOptionProvider {
                socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolatedUnsafeUnchecked().whenComplete { _ in context.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        }
    }

    private func cancelSend() {
        sendTimer?.cancel()
        sendTimer = nil
    }
}

/// First in the pipeline (before the HTTP decoder, which only reports a head once it is
/// complete): tells the guard that bytes arrived. Passes everything on unchanged.
private final class FirstByteObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private weak var owner: ConnectionGuard?

    init(_ owner: ConnectionGuard) { self.owner = owner }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owner?.bytesArrived(context)
        context.fireChannelRead(data)
    }
}

/// Right after the HTTP/1 decoder, before the HTTPTypes codec, which drops the request's version: a
/// request that does not keep the connection alive (HTTP/1.0 without `Connection: keep-alive`, or
/// any `Connection: close` token) gets `Connection: close`, the one signal Hummingbird reads to
/// close the connection after the answer.
private final class KeepAliveMarker: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(var head) = unwrapInboundIn(data), !head.isKeepAlive, head.headers["connection"] != ["close"] {
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        }
        context.fireChannelRead(data)
    }
}
