import Foundation
import Synchronization
import Testing
import TollgateCore

/// A released `CurlClient` stops its driver thread instead of crashing it (the thread used to
/// capture `unowned self` in an endless loop).
@Suite("CurlClient lifetime")
struct CurlClientLifetimeTests {
    @Test func releasingAClientEndsItsThreadAndItsTransfers() async throws {
        final class Flag: Sendable { let value = Atomic<Bool>(false) }
        let exited = Flag()
        let server = try StallingServer()
        var client: CurlClient? = CurlClient(onThreadExit: { exited.value.store(true, ordering: .relaxed) })
        // A transfer that fails (nothing listens on port 9) and one whose body never ends.
        await #expect(throws: TransportError.self) {
            _ = try await client!.send(UpstreamHTTPRequest(url: "http://127.0.0.1:9/", connectTimeoutMs: 2_000, timeoutMs: 2_000))
        }
        let stream = try await client!.open(UpstreamHTTPRequest(url: "http://127.0.0.1:\(server.port)/", method: "GET", timeoutMs: 60_000))
        #expect(stream.head.status == 200)
        client = nil
        // The open stream ends with an error (not a hang, not a crash), and the thread exits.
        await #expect(throws: TransportError.self) { while try await stream.next() != nil {} }
        let deadline = ContinuousClock.now + .seconds(10)
        while !exited.value.load(ordering: .relaxed) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))  // polling under a deadline
        }
        let threadExited = exited.value.load(ordering: .relaxed)
        #expect(threadExited, "the driver thread of a released client exits")
    }
}

/// A loopback server that answers one connection with a status line, headers and a body that
/// never arrives in full.
final class StallingServer: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = self.fd
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw CancellationError() }
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread {
            let c = accept(fd, nil, nil)
            guard c >= 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 4096)
            _ = buffer.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc".utf8)
            _ = head.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // Holds the connection open until the peer goes.
            while buffer.withUnsafeMutableBytes({ recv(c, $0.baseAddress, $0.count, 0) }) > 0 {}
            close(c)
        }
    }

    deinit { close(fd) }
}
