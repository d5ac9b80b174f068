import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization
import TollgateBase
import TollgatePipeline
import Tracing

/// The exact-hit fast path (issue 16), in front of Hummingbird's router in each connection's
/// pipeline: a `POST /v1/chat/completions` whose body the exact cache has seen before (the raw-body
/// alias, the pipeline's first stage) is answered here, on the connection's event loop, from LMDB —
/// no router, no middleware chain, no hop to Swift's task pool. `Gateway.exactHitNow` decides, with
/// the same checks, headers, stats and access-log line as the routed path; anything else (a miss, a
/// stream, a directive, a 401 or 429, another route) is handed on to the router unchanged.
///
/// The body is held until the request ends (up to `maxBufferedBytes`; a larger one is handed on as
/// it comes). Answers stay in order: while a routed request on the connection has not been answered,
/// the next one is handed on too. A graceful shutdown waits for a held request as for a routed one. Off when traces are on (the routed path opens the server span),
/// and for `Connection: close` requests (the router's connection handling closes after them).
final class ExactHitResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The largest body held back for a lookup; chat bodies seen again are small.
    static let maxBufferedBytes = 64 << 10
    static let path = "/v1/chat/completions"

    private enum State {
        /// Between requests.
        case idle
        /// A candidate's head and the body so far, held until its end.
        case holding(HTTPRequest, ByteBuffer?, ContinuousClock.Instant)
        /// A request handed on to the router, part by part, until its end.
        case passing
    }

    private let gateway: Gateway
    private let logger: Logger
    private let limit: Int
    private var state = State.idle
    /// Requests handed to the router whose answer is not complete yet.
    private var routed = 0
    /// The body bytes still to be written of the routed answer being written, when its head gave a
    /// length; and the answers counted complete by length whose `.end` part is still to come.
    private var unsentBody: Int?
    private var endsAhead = 0
    /// A graceful shutdown's quiesce event that came while a request was held: the router's
    /// connection handler, which never saw that request, would close the connection under it, so
    /// the event is passed on once the request is answered or handed on.
    private var heldQuiesce: Any?

    init(gateway: Gateway, logger: Logger) {
        self.gateway = gateway
        self.logger = logger
        limit = min(Self.maxBufferedBytes, gateway.config.limits.maxBodyBytes)
    }

    /// Whether a server's connections get the fast path: not when traces are exported, nor with
    /// `TOLLGATE_FAST_PATH=off` in the environment (for measuring the routed path beside it).
    static var enabled: Bool {
        InstrumentationSystem.tracer is NoOpTracer && ProcessInfo.processInfo.environment["TOLLGATE_FAST_PATH"] != "off"
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.idle, .head(let head)):
            if routed == 0, isCandidate(head) {
                state = .holding(head, nil, .now)
            } else {
                handOn(context, part)
            }
        case (.holding(let head, var body, let started), .body(var chunk)):
            let held = (body?.readableBytes ?? 0) + chunk.readableBytes
            if held > limit {
                handOn(context, .head(head))
                if let body { context.fireChannelRead(wrapInboundOut(.body(body))) }
                context.fireChannelRead(wrapInboundOut(.body(chunk)))
                releaseQuiesce(context)
            } else {
                if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
                state = .holding(head, body, started)
            }
        case (.holding(let head, let body, let started), .end(let trailers)):
            state = .idle
            let body = body ?? ByteBuffer()
            if trailers == nil, answer(context, head: head, body: body, started: started) {
                releaseQuiesce(context)
                return
            }
            handOn(context, .head(head))
            if body.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(.body(body))) }
            context.fireChannelRead(wrapInboundOut(.end(trailers)))
            state = .idle
            releaseQuiesce(context)
        case (.passing, .end):
            state = .idle
            context.fireChannelRead(data)
        default:
            context.fireChannelRead(data)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, case .holding = state {
            heldQuiesce = event
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Passes on a quiesce event held back while a request was held.
    private func releaseQuiesce(_ context: ChannelHandlerContext) {
        guard let event = heldQuiesce else { return }
        heldQuiesce = nil
        context.fireUserInboundEventTriggered(event)
    }

    /// A decoding error in a held request (a malformed chunk): the router gets the request so far
    /// first, so that it answers the error for that request as it always did.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .holding(let head, let body, _) = state {
            handOn(context, .head(head))
            if let body { context.fireChannelRead(wrapInboundOut(.body(body))) }
        }
        context.fireErrorCaught(error)
        releaseQuiesce(context)
    }

    /// A routed answer is complete for the client once its `Content-Length` bytes are written; the
    /// router writes the `.end` part a moment later (after a body written by a closure), so by then
    /// the client may have sent its next request, which this handler can answer.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.kind != .informational:
            unsentBody = head.headerFields[.contentLength].flatMap(Int.init)
            if unsentBody == 0 { routedAnswerComplete() }
        case .body(let chunk):
            if let left = unsentBody.map({ $0 - chunk.readableBytes }) {
                unsentBody = left
                if left <= 0 { routedAnswerComplete() }
            }
        case .end:
            unsentBody = nil
            if endsAhead > 0 { endsAhead -= 1 } else if routed > 0 { routed -= 1 }
        default:
            break
        }
        context.write(data, promise: promise)
    }

    private func routedAnswerComplete() {
        unsentBody = nil
        guard routed > 0 else { return }
        routed -= 1
        endsAhead += 1
    }

    /// Hands a head on to the router (the rest of its request follows as it comes).
    private func handOn(_ context: ChannelHandlerContext, _ head: HTTPRequestPart) {
        routed += 1
        state = .passing
        context.fireChannelRead(wrapInboundOut(head))
    }

    private func isCandidate(_ head: HTTPRequest) -> Bool {
        guard head.method == .post, head.path == Self.path else { return false }
        if let length = head.headerFields[.contentLength].flatMap(Int.init), length > limit { return false }
        if let connection = head.headerFields[.connection], connection.lowercased().contains("close") { return false }
        if head.headerFields[.contentEncoding] != nil { return false }  // the router answers 415 (or reads identity)
        return true
    }

    /// Writes the cached answer if `exactHitNow` has one; false when the router must answer.
    private func answer(_ context: ChannelHandlerContext, head: HTTPRequest, body: ByteBuffer, started: ContinuousClock.Instant) -> Bool {
        let requestID = AccessLogMiddleware<BasicRequestContext>.requestID(head.headerFields)
        let record = AccessRecord(requestID: requestID)
        guard let response = AccessRecord.$current.withValue(record, operation: {
            gateway.exactHitNow(body: body, headers: head.headerFields, requestID: requestID)
        }) else { return false }
        var fields = response.headers
        fields[.contentLength] = String(response.body.readableBytes)
        fields[.date] = HTTPDate.now()
        fields[.server] = "tollgate"
        // Counted and logged before the bytes go out (as the routed path does for a whole body), so
        // a client that reads the answer and then the metrics or the log sees this request in them.
        Observability.fastPathHit()
        AccessLogMiddleware<BasicRequestContext>.finish(record, logger: logger, method: head.method.rawValue, path: Self.path,
                                                 status: response.status.code, headers: fields, started: started)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: response.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(response.body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        return true
    }
}

/// The `Date` header's value (RFC 9110 IMF-fixdate), formatted once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let second = ts.tv_sec
        return cache.withLock { c in
            if c.second != second {
                c = (second, format(second))
            }
            return c.text
        }
    }

    static func format(_ second: Int) -> String {
        var t = time_t(second), tm = tm()
        gmtime_r(&t, &tm)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) \(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) GMT"
    }
}
