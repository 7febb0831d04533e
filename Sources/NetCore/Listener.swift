public import Base
internal import CLinux
import Glibc

/// A listening TCP socket. Several listeners may share one port through
/// SO_REUSEPORT, one per event loop, so the kernel spreads accepts over loops
/// with no shared accept queue and no lock.
public final class Listener: @unchecked Sendable {
    public let fd: Int32
    public let address: SocketAddress

    public init(address: SocketAddress, backlog: Int32 = 1024, reusePort: Bool = true) throws(SystemError) {
        let family = address.family
        let fd = try syscallNoBlock("socket") {
            Glibc.socket(family, CLinux_SOCK_STREAM() | CLinux_SOCK_NONBLOCK() | CLinux_SOCK_CLOEXEC(), 0)
        }
        do throws(SystemError) {
            Socket.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            if reusePort { Socket.setOption(fd, level: SOL_SOCKET, name: SO_REUSEPORT, value: 1) }
            try syscallNoBlock("bind(\(address))") { address.withSockAddr { Glibc.bind(fd, $0, $1) } }
            try syscallNoBlock("listen") { Glibc.listen(fd, backlog) }
        } catch {
            Socket.close(fd)
            throw error
        }
        self.fd = fd
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.address = SocketAddress(storage: storage)
    }

    public func close() { Socket.close(fd) }
}

/// Outbound TCP connections, for clients and tests (blocking connect, then
/// the caller decides whether the socket becomes non-blocking).
public enum Connector {
    /// `receiveBufferBytes` caps SO_RCVBUF (set before connect, so the TCP
    /// window is sized from it): tests use it to play a slow reader.
    public static func connect(to address: SocketAddress, nonBlocking: Bool = false,
                               receiveBufferBytes: Int32? = nil) throws(SystemError) -> Int32 {
        let fd = try syscallNoBlock("socket") {
            Glibc.socket(address.family, CLinux_SOCK_STREAM() | CLinux_SOCK_CLOEXEC(), 0)
        }
        if let receiveBufferBytes { Socket.setOption(fd, level: SOL_SOCKET, name: SO_RCVBUF, value: receiveBufferBytes) }
        do throws(SystemError) {
            try syscallNoBlock("connect(\(address))") { address.withSockAddr { Glibc.connect(fd, $0, $1) } }
        } catch {
            Socket.close(fd)
            throw error
        }
        Socket.setNoDelay(fd)
        if nonBlocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return fd
    }
}
