public import Base
internal import CLinux
import Glibc

/// Non-blocking TCP socket operations on a raw descriptor. Ownership stays with
/// the caller (the connection that closes it); these are the verbs only.
public enum Socket {
    /// Reads into `buffer`; `.done(0)` is the peer's orderly shutdown.
    @inline(__always)
    public static func read(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer
    ) throws(SystemError) -> IOResult<Int> {
        try syscall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    @inline(__always)
    public static func write(
        _ fd: Int32, _ bytes: UnsafeRawBufferPointer
    ) throws(SystemError) -> IOResult<Int> {
        // send with MSG_NOSIGNAL: a peer that vanished must not raise SIGPIPE.
        try syscall("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    public static func close(_ fd: Int32) {
        // Linux releases the descriptor even when close reports EINTR: never retry.
        _ = Glibc.close(fd)
    }

    /// Accepts one pending connection, already non-blocking and close-on-exec.
    public static func accept(_ listenerFD: Int32) throws(SystemError) -> IOResult<Int32> {
        try syscall("accept4") {
            CLinux_accept4(listenerFD, CLinux_SOCK_NONBLOCK() | CLinux_SOCK_CLOEXEC())
        }
    }

    public static func setNoDelay(_ fd: Int32) {
        setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
    }

    public static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Abortive close: RST instead of FIN, for peers that deserve no lingering
    /// (plain HTTP on the TLS port, handshake deadline passed).
    public static func abort(_ fd: Int32) {
        var l = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        close(fd)
    }

    /// The peer's address as text ("127.0.0.1" or "::1"), for logs and per-address limits.
    public static func peerAddress(_ fd: Int32) -> String {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard ok == 0 else { return "unknown" }
        return SocketAddress(storage: storage).host
    }
}
