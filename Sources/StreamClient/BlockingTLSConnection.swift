public import Glibc
public import NetCore
public import TLS

/// A TLS client connection on a blocking socket: for command-line tools and
/// tests, where one thread talks to one server. Reads time out after
/// `timeoutSeconds` (SO_RCVTIMEO) so a silent server never hangs a caller.
public final class BlockingTLSConnection {
    public let fd: Int32
    public let tls: TLSConnection
    /// True once the server closed TCP.
    public private(set) var peerClosed = false

    public struct ConnectionError: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public init(host: String, port: UInt16, caPath: String?, serverName: String? = nil, timeoutSeconds: Int = 10,
                receiveBufferBytes: Int32? = nil, configure: (inout TLSClientConfiguration) -> Void = { _ in },
                connected: (Int32) -> Void = { _ in }) throws {
        fd = try Connector.connect(to: SocketAddress(host: host, port: port), receiveBufferBytes: receiveBufferBytes)
        // Lets another thread shut the socket down to cut a handshake short.
        connected(fd)
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var configuration = TLSClientConfiguration(caPath: caPath)
        configure(&configuration)
        do {
            tls = try TLSConnection(clientContext: TLSContext(client: configuration), serverName: serverName ?? host)
            try handshake()
        } catch {
            Socket.close(fd)
            throw error
        }
    }

    deinit { Socket.close(fd) }

    private func handshake() throws {
        while true {
            switch tls.handshake() {
            case .complete:
                try flushCiphertext()
                return
            case .failed(let error):
                try? flushCiphertext()
                throw error
            case .wantRead:
                try flushCiphertext()
                try receiveCiphertext { _ in }
            }
        }
    }

    /// Sends whatever TLS has produced.
    public func flushCiphertext() throws {
        // A blocking socket never reports "would block": the pump runs until everything is sent.
        _ = try tls.sendPendingCiphertext { bytes throws(ConnectionError) -> Int? in
            let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n < 0 { throw ConnectionError("send failed: \(String(cString: strerror(errno)))") }
            return n
        }
    }

    /// Reads one chunk of ciphertext and runs `body` while TLS can see it.
    public func receiveCiphertext(_ body: (TLSConnection) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { peerClosed = true; throw ConnectionError("the server closed the connection") }
        if n < 0 {
            if errno == ECONNRESET { peerClosed = true }
            throw ConnectionError(errno == EAGAIN ? "timed out waiting for the server" : "recv failed: \(String(cString: strerror(errno)))")
        }
        try buffer.withUnsafeBytes { raw in
            try tls.withReceivedCiphertext(UnsafeRawBufferPointer(rebasing: raw[..<n])) {
                if !tls.isHandshakeComplete, case .failed(let error) = tls.handshake() { throw error }
                try body(tls)
            }
        }
    }

    /// Appends the plaintext that arrives next to `into`; false when the
    /// server ended TLS (close_notify).
    public func receive(into plaintext: inout [UInt8]) throws -> Bool {
        var open = true
        var collected: [UInt8] = []
        try receiveCiphertext { tls in
            var buffer = [UInt8](repeating: 0, count: 65536)
            let end = buffer.withUnsafeMutableBytes { raw in
                tls.readPlaintext(into: raw) { chunk in
                    collected.append(contentsOf: chunk)
                    return true
                }
            }
            switch end {
            case .wantRead, .stopped: break
            case .closed: open = false
            case .failed(let error): throw error
            }
        }
        plaintext.append(contentsOf: collected)
        try flushCiphertext()
        return open
    }

    public func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try tls.write($0) }
        try flushCiphertext()
    }
}
