import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP connection to loopback, for clients no HTTP library would be: byte-at-a-time
/// heads, bodies that never end, connections that say nothing.
final class RawConnection: @unchecked Sendable {
    let fd: Int32
    private(set) var received: [UInt8] = []
    private(set) var closedByPeer = false

    /// Connects (blocking) and switches the socket to non-blocking.
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError(description: "socket: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw HarnessError(description: "connect: errno \(e)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Sends bytes; false once the peer has closed (EPIPE / ECONNRESET).
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n < 0 && errno != EAGAIN { closedByPeer = true }
        return n >= 0
    }

    /// Reads whatever has arrived; notes EOF or a reset as closed by the peer.
    func poll() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closedByPeer {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received += buffer[..<n]; continue }
            if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { closedByPeer = true }
            return
        }
    }

    var text: String { String(decoding: received, as: UTF8.self) }

    deinit { close(fd) }
}
