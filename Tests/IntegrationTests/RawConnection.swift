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

    /// Connects (blocking) and switches the socket to non-blocking. `receiveBuffer` shrinks the
    /// kernel's receive buffer (for a client that reads slowly or not at all).
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError(description: "socket: errno \(errno)") }
        if var size = receiveBuffer {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
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

    /// Reads at most one byte (a client that reads a byte now and then); false if none was there.
    @discardableResult
    func readOne() -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        if n == 1 { received.append(byte); return true }
        if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { closedByPeer = true }
        return false
    }

    /// The socket's TCP state (Linux `tcpi_state`), read without reading any data: 1 established,
    /// 7 closed (a reset came), 8 close-wait (the peer's FIN came).
    var tcpState: UInt8 {
        var info = [UInt8](repeating: 0, count: 256)
        var length = socklen_t(info.count)
        let tcpInfo: Int32 = 11  // TCP_INFO, <netinet/tcp.h>
        let rc = info.withUnsafeMutableBytes { getsockopt(fd, Int32(IPPROTO_TCP), tcpInfo, $0.baseAddress, &length) }
        return rc == 0 ? info[0] : 0
    }

    /// The server closed or reset the connection (seen from the TCP state, without reading).
    var closedByServer: Bool { tcpState == 7 || tcpState == 8 }

    var text: String { String(decoding: received, as: UTF8.self) }

    deinit { close(fd) }
}
