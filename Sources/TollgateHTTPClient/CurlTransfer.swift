import CCurl
import Foundation
import Synchronization

/// One transfer: an easy handle, its request headers and the answer being received.
final class Transfer: @unchecked Sendable {
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
