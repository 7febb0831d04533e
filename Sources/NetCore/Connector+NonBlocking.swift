public import Base
internal import CLinux
import Glibc

/// The outcome of starting a non-blocking connect.
public enum ConnectProgress: Sendable, Equatable {
    /// Connected at once (loopback often is).
    case connected
    /// The kernel is still working: wait for the socket to become writable,
    /// then ask `Socket.pendingError` how it went.
    case inProgress
}

extension Connector {
    /// Opens a non-blocking, close-on-exec TCP socket and starts connecting it
    /// without waiting, so an event loop never stalls on a slow or dead peer.
    /// The caller owns the returned descriptor.
    public static func startConnect(to address: SocketAddress) throws(SystemError) -> (fd: Int32, progress: ConnectProgress) {
        let fd = try syscallNoBlock("socket") {
            Glibc.socket(address.family, CLinux_SOCK_STREAM() | CLinux_SOCK_NONBLOCK() | CLinux_SOCK_CLOEXEC(), 0)
        }
        Socket.setNoDelay(fd)
        let result = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        if result == 0 { return (fd, .connected) }
        let code = errno
        // EINTR on a non-blocking connect does not cancel it: the attempt
        // carries on in the background exactly as with EINPROGRESS.
        if code == EINPROGRESS || code == EINTR { return (fd, .inProgress) }
        Socket.close(fd)
        throw SystemError("connect(\(address))", errno: code)
    }
}

extension Socket {
    /// The result of a finished non-blocking connect (SO_ERROR): nil when it
    /// succeeded, else the reason it failed.
    public static func pendingError(_ fd: Int32, connectingTo address: SocketAddress) -> SystemError? {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 {
            return SystemError("getsockopt(SO_ERROR)", errno: errno)
        }
        return code == 0 ? nil : SystemError("connect(\(address))", errno: code)
    }
}
