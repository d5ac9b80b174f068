import CCurl
import Foundation
import Synchronization
import TollgateBase

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

/// The multi handle and the loop of one client's driver thread. The thread and every transfer
/// hold it strongly; the client only asks it to stop.
private final class CurlDriver: @unchecked Sendable {
    // `multi` and `transfers` are used only on the driver thread; requests cross threads in `inbox`.
    let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private var transfers: [UnsafeMutableRawPointer: Transfer] = [:]

    private struct Inbox {
        var adds: [Transfer] = []
        var cancels: [Transfer] = []
        var resumes: [Transfer] = []
        var stopRequested = false
        /// Set by the driver thread just before it frees the multi handle: no wakeup after it.
        var stopped = false
    }

    init() {
        multi = curl_multi_init()
        tollgate_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 256)
    }

    func submit(add: Transfer? = nil, cancel: Transfer? = nil, resume: Transfer? = nil) {
        let refused = inbox.withLock { box -> Transfer? in
            guard !box.stopped else { return add }
            if let add { box.adds.append(add) }
            if let cancel { box.cancels.append(cancel) }
            if let resume { box.resumes.append(resume) }
            curl_multi_wakeup(multi)  // under the lock: never after the handle is freed
            return nil
        }
        refused?.end(.failure(TransportError(kind: .cancelled, message: "the HTTP client was released")))
    }

    /// Asks the thread to end every transfer, free the multi handle and exit.
    func stop() {
        inbox.withLock { box in
            box.stopRequested = true
            if !box.stopped { curl_multi_wakeup(multi) }
        }
    }

    func loop() {
        while true {
            let (adds, cancels, resumes, stopping) = inbox.withLock { box in
                defer { box.adds.removeAll(); box.cancels.removeAll(); box.resumes.removeAll() }
                return (box.adds, box.cancels, box.resumes, box.stopRequested)
            }
            if stopping {
                shutDown(pending: adds)
                return
            }
            for t in adds {
                // A transfer cancelled before the driver saw it never starts.
                if t.state.withLock({ $0.cancelled }) { t.end(.failure(TransportError(kind: .cancelled, message: "request cancelled"))); continue }
                transfers[t.easy] = t
                curl_multi_add_handle(multi, t.easy)
            }
            for t in cancels {
                t.state.withLock { $0.cancelled = true }
                guard transfers.removeValue(forKey: t.easy) != nil else { continue }
                curl_multi_remove_handle(multi, t.easy)
                t.end(.failure(TransportError(kind: .cancelled, message: "request cancelled")))
            }
            for t in resumes where transfers[t.easy] != nil {
                t.lastActivity = ContinuousClock.now  // time paused by a slow reader is not idle upstream time
                curl_easy_pause(t.easy, CURLPAUSE_CONT)
            }
            var active: Int32 = 0
            curl_multi_perform(multi, &active)
            var left: Int32 = 0
            while let msg = curl_multi_info_read(multi, &left) {
                guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle, let t = transfers.removeValue(forKey: easy) else { continue }
                let code = tollgate_curl_msg_result(msg)
                curl_multi_remove_handle(multi, easy)
                t.complete(code)
            }
            // Our own first-byte and idle deadlines (libcurl's TIMEOUT_MS would bound the whole
            // transfer, LOW_SPEED_TIME counts whole seconds and from the start).
            let now = ContinuousClock.now
            var wait = 1000
            for (easy, t) in transfers {
                guard !t.state.withLock({ $0.paused }) else { continue }
                let left = t.deadline - now
                if left <= .zero {
                    transfers.removeValue(forKey: easy)
                    curl_multi_remove_handle(multi, easy)
                    t.timedOut()
                } else {
                    wait = min(wait, Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000) + 1)
                }
            }
            var numfds: Int32 = 0
            curl_multi_poll(multi, nil, 0, Int32(max(1, wait)), &numfds)
        }
    }

    /// The client was released: every transfer ends, then the multi handle is freed.
    private func shutDown(pending: [Transfer]) {
        let released = TransportError(kind: .cancelled, message: "the HTTP client was released")
        for t in pending { t.end(.failure(released)) }
        for (easy, t) in transfers {
            curl_multi_remove_handle(multi, easy)
            t.end(.failure(released))
        }
        transfers.removeAll()
        let late = inbox.withLock { box -> [Transfer] in
            box.stopped = true
            defer { box.adds.removeAll(); box.cancels.removeAll(); box.resumes.removeAll() }
            return box.adds
        }
        for t in late { t.end(.failure(released)) }
        curl_multi_cleanup(multi)
    }
}

/// The body of an upstream answer, chunk by chunk as it arrives. Dropping it (or `cancel()`)
/// stops the transfer.
public final class UpstreamStream: Sendable {
    public let head: UpstreamHTTPHead
    private let transfer: Transfer

    fileprivate init(head: UpstreamHTTPHead, transfer: Transfer) {
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

/// One transfer: an easy handle, its request headers and the answer being received.
private final class Transfer: @unchecked Sendable {
    // `easy`, `headerList`, `responseHeaders` and `errorBuffer` are touched by the driver thread
    // only (callbacks run there); everything shared with the reader is in `state`.
    let easy: UnsafeMutableRawPointer
    var headerList: UnsafeMutablePointer<curl_slist>?
    var responseHeaders: [String: String] = [:]
    var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    let url: String
    let driver: CurlDriver
    let state = Mutex(State())
    let firstByteTimeout: Duration
    let idleTimeout: Duration
    let started = ContinuousClock.now
    /// When the last byte arrived (driver thread only); nil before the first.
    var lastActivity: ContinuousClock.Instant?

    /// When this transfer times out unless another byte arrives.
    var deadline: ContinuousClock.Instant {
        if let lastActivity { return lastActivity + idleTimeout }
        return started + firstByteTimeout
    }

    /// Buffered bytes above which the upstream is paused, and below which it resumes.
    static let highWater = 1 << 20
    static let lowWater = 256 << 10

    struct State {
        var headWaiter: CheckedContinuation<UpstreamHTTPHead, any Error>?
        var headDelivered = false
        var chunks: [[UInt8]] = []
        var first = 0
        var buffered = 0
        var paused = false
        var cancelled = false
        var finished: Result<Void, TransportError>?
        var bodyWaiter: CheckedContinuation<[UInt8]?, any Error>?
    }

    init(_ r: UpstreamHTTPRequest, driver: CurlDriver) throws {
        guard let easy = curl_easy_init() else { throw TransportError(kind: .other, message: "curl_easy_init failed") }
        self.easy = easy
        self.driver = driver
        url = r.url
        firstByteTimeout = .milliseconds(r.timeoutMs)
        idleTimeout = .milliseconds(r.idleTimeoutMs)
        tollgate_curl_easy_setopt_string(easy, CURLOPT_URL, r.url)
        tollgate_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        tollgate_curl_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        tollgate_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, r.connectTimeoutMs)
        if r.method == "POST" {
            tollgate_curl_easy_setopt_long(easy, CURLOPT_POST, 1)
            tollgate_curl_easy_setopt_offset(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(r.body.count))
            r.body.withUnsafeBufferPointer { p in
                // COPYPOSTFIELDS: libcurl keeps its own copy, so `r.body` need not outlive the call.
                tollgate_curl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: p.baseAddress ?? UnsafePointer(bitPattern: 1)!))
            }
        } else if r.method != "GET" {
            tollgate_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, r.method)
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in r.headers { list = curl_slist_append(list, "\(name): \(value)") }
        list = curl_slist_append(list, "Expect:")  // no 100-continue round trip
        headerList = list
        tollgate_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list)
        let me = Unmanaged.passUnretained(self).toOpaque()
        tollgate_curl_easy_setopt_callback(easy, CURLOPT_WRITEFUNCTION, { ptr, size, count, user in
            Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue().received(UnsafeRawBufferPointer(start: ptr, count: size * count))
        })
        tollgate_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        tollgate_curl_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION, { ptr, size, count, user in
            Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue().headerLine(UnsafeRawBufferPointer(start: ptr, count: size * count))
            return size * count
        })
        tollgate_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        errorBuffer.withUnsafeMutableBufferPointer { p in
            _ = tollgate_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, p.baseAddress)
        }
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
    }

    // MARK: Driver thread

    func headerLine(_ raw: UnsafeRawBufferPointer) {
        lastActivity = ContinuousClock.now
        let line = String(decoding: raw, as: UTF8.self)
        if line.hasPrefix("HTTP/") { responseHeaders.removeAll(); return }  // a new response (after 1xx)
        if line == "\r\n" || line == "\n" {
            var status = 0
            tollgate_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            if status >= 200 { deliverHead(status) }
            return
        }
        if let colon = line.firstIndex(of: ":") {
            responseHeaders[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    func deliverHead(_ status: Int) {
        let head = UpstreamHTTPHead(status: status, headers: responseHeaders)
        let waiter = state.withLock { s -> CheckedContinuation<UpstreamHTTPHead, any Error>? in
            guard !s.headDelivered else { return nil }
            s.headDelivered = true
            defer { s.headWaiter = nil }
            return s.headWaiter
        }
        waiter?.resume(returning: head)
    }

    /// The write callback: hand the bytes to a waiting reader, buffer them, or pause when full.
    func received(_ bytes: UnsafeRawBufferPointer) -> Int {
        lastActivity = ContinuousClock.now
        let chunk = [UInt8](bytes)
        let outcome = state.withLock { s -> (Int, CheckedContinuation<[UInt8]?, any Error>?) in
            if s.cancelled { return (0, nil) }  // a short write aborts the transfer
            if let waiter = s.bodyWaiter {
                s.bodyWaiter = nil
                return (chunk.count, waiter)
            }
            if s.buffered >= Transfer.highWater {
                s.paused = true
                return (Int(CURL_WRITEFUNC_PAUSE), nil)  // libcurl delivers these bytes again on resume
            }
            s.chunks.append(chunk)
            s.buffered += chunk.count
            return (chunk.count, nil)
        }
        outcome.1?.resume(returning: chunk)
        return outcome.0
    }

    func complete(_ code: CURLcode) {
        if code == CURLE_OK {
            var status = 0
            tollgate_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            deliverHead(status)
            end(.success(()))
            return
        }
        let detail = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        let kind: TransportError.Kind
        switch code {
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SSL_CONNECT_ERROR: kind = .connect
        default: kind = .other
        }
        end(.failure(TransportError(kind: kind, message: "\(url): \(text)")))
    }

    /// The driver removed this transfer at its first-byte or idle deadline.
    func timedOut() {
        let what = lastActivity == nil ? "no answer within \(firstByteTimeout)" : "no byte for \(idleTimeout)"
        end(.failure(TransportError(kind: .timeout, message: "\(url): \(what)")))
    }

    /// Records how the transfer ended and wakes whoever waits.
    func end(_ result: Result<Void, TransportError>) {
        let (head, body, hasData) = state.withLock { s -> (CheckedContinuation<UpstreamHTTPHead, any Error>?, CheckedContinuation<[UInt8]?, any Error>?, Bool) in
            if s.finished == nil { s.finished = result }
            let head = s.headDelivered ? nil : s.headWaiter
            s.headWaiter = nil
            s.headDelivered = true
            let body = s.bodyWaiter
            s.bodyWaiter = nil
            return (head, body, s.first < s.chunks.count)
        }
        if let head {
            switch result {
            case .failure(let e): head.resume(throwing: e)
            case .success: head.resume(throwing: TransportError(kind: .other, message: "\(url): no response"))
            }
        }
        if let body {
            switch result {
            case .failure(let e): body.resume(throwing: e)
            case .success: body.resume(returning: hasData ? [] : nil)
            }
        }
    }

    // MARK: Reader

    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<[UInt8]?, any Error>) in
                enum Step { case chunk([UInt8], resume: Bool), done(Result<Void, TransportError>), wait(resume: Bool) }
                let step = state.withLock { s -> Step in
                    if s.first < s.chunks.count {
                        let chunk = s.chunks[s.first]
                        s.first += 1
                        s.buffered -= chunk.count
                        if s.first == s.chunks.count { s.chunks.removeAll(keepingCapacity: true); s.first = 0 }
                        var resume = false
                        if s.paused && s.buffered < Transfer.lowWater { s.paused = false; resume = true }
                        return .chunk(chunk, resume: resume)
                    }
                    if let finished = s.finished { return .done(finished) }
                    s.bodyWaiter = c
                    defer { s.paused = false }
                    return .wait(resume: s.paused)
                }
                switch step {
                case .chunk(let chunk, let resume):
                    if resume { driver.submit(resume: self) }
                    c.resume(returning: chunk)
                case .done(.success): c.resume(returning: nil)
                case .done(.failure(let e)): c.resume(throwing: e)
                case .wait(let resume): if resume { driver.submit(resume: self) }
                }
            }
        } onCancel: {
            self.cancel()
        }
    }

    func cancel() {
        let first = state.withLock { s -> Bool in
            defer { s.cancelled = true }
            return !s.cancelled && s.finished == nil
        }
        if first { driver.submit(cancel: self) }
    }
}
