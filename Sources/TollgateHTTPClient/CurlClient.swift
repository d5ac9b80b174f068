import CCurl
import Foundation
import Synchronization
import TollgateBase
import Tracing

/// An HTTP request to an upstream.
public struct UpstreamHTTPRequest: Sendable {
    public var url: String
    public var method: String = "POST"
    public var headers: [(String, String)] = []
    public var body: [UInt8] = []
    public var connectTimeoutMs = 5_000
    /// Most time from the start to the answer's first byte.
    public var timeoutMs = 120_000
    /// Most time between two bytes once the answer began (a paused transfer does not count).
    /// There is no bound on the whole transfer: a long, healthy stream is never cut.
    public var idleTimeoutMs: Int

    public init(url: String, method: String = "POST", headers: [(String, String)] = [], body: [UInt8] = [], connectTimeoutMs: Int = 5_000, timeoutMs: Int = 120_000,
                idleTimeoutMs: Int? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.connectTimeoutMs = connectTimeoutMs
        self.timeoutMs = timeoutMs
        self.idleTimeoutMs = idleTimeoutMs ?? timeoutMs
    }
}

/// An upstream's complete HTTP answer.
public struct UpstreamHTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: [UInt8]
}

/// Why a transfer produced no HTTP answer.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case connect, timeout, cancelled, other }
    public let kind: Kind
    public let message: String
    public var description: String { message }
}

/// The status line and headers of an upstream answer, available before its body.
public struct UpstreamHTTPHead: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
}

/// The thin Swift type over libcurl: one driver thread runs a multi handle (`curl_multi_poll`),
/// so many concurrent and streaming transfers share one thread and the multi handle's
/// connection cache (keep-alive connections are reused across requests to the same host).
///
/// Every transfer is a stream (`open`); `send` reads one to the end. A slow reader pauses the
/// transfer (`CURL_WRITEFUNC_PAUSE`) once a bounded buffer is full: backpressure to the upstream.
/// Releasing a client stops its thread: transfers still running end with a `cancelled` error.
public final class CurlClient: Sendable {
    private let driver: CurlDriver

    /// The process-wide client.
    public static let shared = CurlClient()

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    /// `onThreadExit` runs on the driver thread as it exits, once the client has been released
    /// and every transfer has ended.
    public init(onThreadExit: (@Sendable () -> Void)? = nil) {
        _ = CurlClient.globalInit
        let driver = CurlDriver()
        self.driver = driver
        // The thread owns the driver (not this client), so it never touches a released object.
        let thread = Thread {
            driver.loop()
            onThreadExit?()
        }
        thread.name = "tollgate-curl"
        thread.start()
    }

    deinit { driver.stop() }

    /// Sends a request and returns the whole answer. Cancelling the task stops the transfer.
    public func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
        let stream = try await open(request)
        var body: [UInt8] = []
        while let chunk = try await stream.next() { body += chunk }
        return UpstreamHTTPResponse(status: stream.head.status, headers: stream.head.headers, body: body)
    }

    /// Starts a transfer and returns once the status and headers have arrived; the body is read
    /// from the returned stream as it arrives.
    public func open(_ request: UpstreamHTTPRequest) async throws -> UpstreamStream {
        try Task.checkCancellation()
        var request = request
        // The current span (the router's upstream attempt) goes along as W3C `traceparent`
        // when traces are on; the no-op instrument adds nothing.
        if let context = ServiceContext.current {
            InstrumentationSystem.instrument.inject(context, into: &request.headers, using: HeaderListInjector())
        }
        let driver = self.driver
        let transfer = try Transfer(request, driver: driver)
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<UpstreamHTTPHead, any Error>) in
                transfer.state.withLock { $0.headWaiter = c }
                driver.submit(add: transfer)
            }
        } onCancel: {
            driver.submit(cancel: transfer)
        }
        return UpstreamStream(head: head, transfer: transfer)
    }
}

/// The body of an upstream answer, chunk by chunk as it arrives. Dropping it (or `cancel()`)
/// stops the transfer.
public final class UpstreamStream: Sendable {
    public let head: UpstreamHTTPHead
    private let transfer: Transfer

    init(head: UpstreamHTTPHead, transfer: Transfer) {
        self.head = head
        self.transfer = transfer
    }

    /// The next chunk; nil once the body ended cleanly. Throws `TransportError` if it did not.
    public func next() async throws -> [UInt8]? {
        try await transfer.next()
    }

    /// Stops the transfer (safe to call at any time, more than once).
    public func cancel() {
        transfer.cancel()
    }

    deinit { transfer.cancel() }
}

/// Writes trace-context headers into a request's header list (replacing any of the same name).
struct HeaderListInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout [(String, String)]) {
        headers.removeAll { $0.0.lowercased() == key.lowercased() }
        headers.append((key, value))
    }
}
