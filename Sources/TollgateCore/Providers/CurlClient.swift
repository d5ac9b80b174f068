import CCurl
import Foundation
import Synchronization

/// An HTTP request to an upstream.
public struct UpstreamHTTPRequest: Sendable {
    public var url: String
    public var method: String = "POST"
    public var headers: [(String, String)] = []
    public var body: [UInt8] = []
    public var connectTimeoutMs = 5_000
    public var timeoutMs = 120_000

    public init(url: String, method: String = "POST", headers: [(String, String)] = [], body: [UInt8] = [], connectTimeoutMs: Int = 5_000, timeoutMs: Int = 120_000) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.connectTimeoutMs = connectTimeoutMs
        self.timeoutMs = timeoutMs
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

/// The thin Swift type over libcurl: one driver thread runs a multi handle (`curl_multi_poll`),
/// so many concurrent transfers share one thread and the multi handle's connection cache
/// (keep-alive connections are reused across requests to the same host).
public final class CurlClient: @unchecked Sendable {
    // `multi` is used only on the driver thread; the queues crossing threads are in `inbox`.
    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private var running: [UnsafeMutableRawPointer: Transfer] = [:]

    private struct Inbox {
        var adds: [Transfer] = []
        var cancels: [Transfer] = []
        /// Transfers cancelled before the driver saw them.
        var cancelled: Set<ObjectIdentifier> = []
    }

    /// The process-wide client.
    public static let shared = CurlClient()

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    public init() {
        _ = CurlClient.globalInit
        multi = curl_multi_init()
        tollgate_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 256)
        let thread = Thread { [unowned self] in self.driverLoop() }
        thread.name = "tollgate-curl"
        thread.start()
    }

    /// Sends a request and returns the whole answer. Cancelling the task stops the transfer.
    public func send(_ request: UpstreamHTTPRequest) async throws -> UpstreamHTTPResponse {
        try Task.checkCancellation()
        let transfer = try Transfer(request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.continuation = continuation
                self.inbox.withLock { $0.adds.append(transfer) }
                curl_multi_wakeup(self.multi)
            }
        } onCancel: {
            self.inbox.withLock {
                $0.cancels.append(transfer)
                $0.cancelled.insert(ObjectIdentifier(transfer))
            }
            curl_multi_wakeup(self.multi)
        }
    }

    private func driverLoop() {
        while true {
            let (adds, cancels) = inbox.withLock { box -> ([Transfer], [Transfer]) in
                defer { box.adds.removeAll(); box.cancels.removeAll(); box.cancelled.removeAll() }
                // A transfer cancelled before it was added never starts.
                let cancelledEarly = box.adds.filter { box.cancelled.contains(ObjectIdentifier($0)) }
                for t in cancelledEarly { t.finish(.failure(TransportError(kind: .cancelled, message: "request cancelled"))) }
                return (box.adds.filter { !box.cancelled.contains(ObjectIdentifier($0)) }, box.cancels)
            }
            for t in adds {
                running[t.easy] = t
                curl_multi_add_handle(multi, t.easy)
            }
            for t in cancels where running[t.easy] != nil {
                running[t.easy] = nil
                curl_multi_remove_handle(multi, t.easy)
                t.finish(.failure(TransportError(kind: .cancelled, message: "request cancelled")))
            }
            var active: Int32 = 0
            curl_multi_perform(multi, &active)
            var left: Int32 = 0
            while let msg = curl_multi_info_read(multi, &left) {
                guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle, let t = running.removeValue(forKey: easy) else { continue }
                let code = tollgate_curl_msg_result(msg)
                curl_multi_remove_handle(multi, easy)
                t.complete(code)
            }
            var numfds: Int32 = 0
            curl_multi_poll(multi, nil, 0, 1000, &numfds)
        }
    }
}

/// One transfer: an easy handle, its request headers and the answer being received.
private final class Transfer: @unchecked Sendable {
    // Touched by the driver thread only, after the continuation is set on the caller's thread
    // before the transfer is handed over through the inbox lock.
    let easy: UnsafeMutableRawPointer
    var headerList: UnsafeMutablePointer<curl_slist>?
    var continuation: CheckedContinuation<UpstreamHTTPResponse, any Error>?
    var responseHeaders: [String: String] = [:]
    var body: [UInt8] = []
    var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    let url: String

    init(_ r: UpstreamHTTPRequest) throws {
        guard let easy = curl_easy_init() else { throw TransportError(kind: .other, message: "curl_easy_init failed") }
        self.easy = easy
        url = r.url
        tollgate_curl_easy_setopt_string(easy, CURLOPT_URL, r.url)
        tollgate_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        tollgate_curl_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        tollgate_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, r.connectTimeoutMs)
        tollgate_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, r.timeoutMs)
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
            let t = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            if let ptr { t.body.append(contentsOf: UnsafeRawBufferPointer(start: ptr, count: n)) }
            return n
        })
        tollgate_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        tollgate_curl_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION, { ptr, size, count, user in
            let t = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            if let ptr {
                let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: n), as: UTF8.self)
                if line.hasPrefix("HTTP/") { t.responseHeaders.removeAll() }  // a new response (after 1xx)
                if let colon = line.firstIndex(of: ":") {
                    let name = line[..<colon].lowercased()
                    let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                    t.responseHeaders[name] = value
                }
            }
            return n
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

    func complete(_ code: CURLcode) {
        if code == CURLE_OK {
            var status = 0
            tollgate_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            finish(.success(UpstreamHTTPResponse(status: status, headers: responseHeaders, body: body)))
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
        finish(.failure(TransportError(kind: kind, message: "\(url): \(text)")))
    }

    func finish(_ result: Result<UpstreamHTTPResponse, any Error>) {
        guard let c = continuation else { return }
        continuation = nil
        c.resume(with: result)
    }
}
