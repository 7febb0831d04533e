import Base
import Foundation
import Glibc
import NetCore
import TLS
import WebSocket

/// One upgraded WebSocket session over a `BlockingTLSConnection`, client
/// role. The owning I/O thread waits with `poll()` and reads; any thread may
/// send. One lock covers the TLS state, because an OpenSSL connection is
/// not safe to use from two threads at once.
final class ClientWebSocket: @unchecked Sendable {
    let connection: BlockingTLSConnection
    private let lock = NSLock()
    private var plaintext: [UInt8] = []
    private var reader: WebSocketReader
    private var closeSent = false
    /// permessage-deflate as agreed in the upgrade; nil: messages arrive plain.
    let compression: NegotiatedCompression?

    /// The server refused the upgrade with an HTTP answer.
    struct Refusal: Error {
        let status: Int
        let error: String
        let message: String
        let retryAfter: Double?
    }

    /// Connects, upgrades with `token` and returns once the 101 is read.
    /// Blocking reads time out after `timeout` seconds until then. With
    /// `offerCompression` the upgrade offers permessage-deflate; an answer
    /// that breaks the offer fails the connection.
    init(endpoint: StreamEndpoint, token: String, caPath: String?, timeout: Double, maxMessageBytes: Int,
         offerCompression: Bool, registerFD: (Int32) -> Void) throws {
        let seconds = max(1, Int(timeout.rounded(.up)))
        connection = try BlockingTLSConnection(host: endpoint.host, port: endpoint.port, caPath: caPath, timeoutSeconds: seconds,
                                               connected: registerFD)
        reader = WebSocketReader(role: .client, maxMessageSize: maxMessageBytes)
        // Bound a send to a peer that stopped reading, so a writer never blocks forever.
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(connection.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))

        let key = Base64.encode(SecureRandom.bytes(16))
        var lines = [
            "GET \(endpoint.path) HTTP/1.1", "Host: \(endpoint.authority)", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: \(key)", "Sec-WebSocket-Version: \(WebSocketHandshake.version)",
            "Authorization: Bearer \(token)",
        ]
        if offerCompression { lines.append(NegotiatedCompression.offerHeader) }
        let request = lines.joined(separator: "\r\n") + "\r\n\r\n"
        try connection.send(Array(request.utf8))
        let answer = try connection.readAnswer(buffer: &plaintext)
        guard answer.status == 101 else {
            let body = (try? JSONReader.parse(answer.body, maximumDepth: JSONReader.defaultMaximumDepth))?.objectValue
            throw Refusal(status: answer.status, error: body?["error"]?.stringValue ?? "",
                          message: body?["message"]?.stringValue ?? answer.bodyText,
                          retryAfter: answer.header("Retry-After").flatMap(Double.init))
        }
        let expected = WebSocketHandshake.acceptValue(forKey: key, sha1: { Digest.sha1($0) })
        guard answer.header("Sec-WebSocket-Accept") == expected else {
            throw BlockingTLSConnection.ConnectionError("the server's Sec-WebSocket-Accept does not match our key")
        }
        let extensions = answer.headers.filter { $0.0.lowercased() == "sec-websocket-extensions" }.map(\.1)
        do {
            compression = try NegotiatedCompression.fromAnswer(extensions, offered: offerCompression)
        } catch {
            throw BlockingTLSConnection.ConnectionError(error.description)
        }
        compression?.enable(on: &reader)
    }

    var fd: Int32 { connection.fd }

    /// Events already decoded from bytes read so far (the upgrade may have
    /// carried the first frames).
    func bufferedEvents() -> [WebSocketEvent] {
        lock.withLock { drainLocked() }
    }

    /// Reads what the socket has (call after poll() says it is readable) and
    /// returns the complete events; false in `open` when TLS ended.
    func readEvents() throws -> (events: [WebSocketEvent], open: Bool) {
        try lock.withLock {
            let open = try connection.receive(into: &plaintext)
            return (drainLocked(), open)
        }
    }

    private func drainLocked() -> [WebSocketEvent] {
        if !plaintext.isEmpty {
            reader.append(plaintext)
            plaintext.removeAll(keepingCapacity: true)
        }
        var events: [WebSocketEvent] = []
        while let event = reader.nextEvent() { events.append(event) }
        return events
    }

    /// Sends one masked frame with a fresh random key (RFC 6455 §5.3).
    func send(_ opcode: Opcode, _ payload: [UInt8]) throws {
        let frame = FrameEncoder.frame(opcode: opcode, payload: payload, maskKey: SecureRandom.uint32())
        try lock.withLock {
            guard !closeSent else { throw BlockingTLSConnection.ConnectionError("the connection is closing") }
            try connection.send(frame)
        }
    }

    func sendText(_ text: String) throws { try send(.text, Array(text.utf8)) }

    /// Sends our close frame once; later sends fail.
    func sendClose(code: CloseCode?, reason: String = "") {
        let frame = FrameEncoder.closeFrame(code: code, reason: reason, maskKey: SecureRandom.uint32())
        lock.withLock {
            guard !closeSent else { return }
            closeSent = true
            try? connection.send(frame)
        }
    }

    /// Wakes a thread blocked in a read of this socket.
    func abort() { Glibc.shutdown(connection.fd, Int32(SHUT_RDWR)) }
}

/// poll() on a socket and a wake-up pipe.
enum Poller {
    enum Result { case readable, woken, timeout }

    static func wait(fd: Int32, wakeFD: Int32, timeout: Double) -> Result {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        let milliseconds = Int32(max(0, min(timeout, 3600)) * 1000)
        let count = fd >= 0 ? 2 : 1
        let n: Int32 = fds.withUnsafeMutableBufferPointer { buffer in
            if fd >= 0 { return poll(buffer.baseAddress, nfds_t(count), milliseconds) }
            return poll(buffer.baseAddress! + 1, 1, milliseconds)
        }
        if n <= 0 { return .timeout }  // EINTR counts as a timeout: the caller re-checks its deadlines
        if fds[1].revents != 0 { return .woken }
        return .readable
    }
}
