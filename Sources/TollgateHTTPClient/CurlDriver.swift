import CCurl
import Foundation
import Synchronization

/// The multi handle and the loop of one client's driver thread. The thread and every transfer
/// hold it strongly; the client only asks it to stop.
final class CurlDriver: @unchecked Sendable {
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
