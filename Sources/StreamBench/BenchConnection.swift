import Base
import Glibc
import NetCore
import StreamClient
import TLS
import WebSocket

/// What a `BenchConnection` tells its owner. Called on the connection's loop.
protocol BenchConnectionDelegate: AnyObject {
    /// The 101 arrived; the socket now carries WebSocket frames.
    func connectionOpened(_ connection: BenchConnection)
    func connection(_ connection: BenchConnection, received text: [UInt8], at wallNanoseconds: Int64)
    /// One socket read on an open connection: its TLS record bytes and the
    /// WebSocket frame bytes (TLS plaintext) they carried.
    func connection(_ connection: BenchConnection, read ciphertextBytes: Int, plaintext plaintextBytes: Int, at wallNanoseconds: Int64)
    /// Called once, when the socket is closed for whatever reason.
    func connectionEnded(_ connection: BenchConnection, _ end: BenchConnection.End)
}

extension BenchConnectionDelegate {
    func connection(_ connection: BenchConnection, read ciphertextBytes: Int, plaintext plaintextBytes: Int, at wallNanoseconds: Int64) {}
}

/// One client connection driven by an epoll loop: non-blocking connect, a full
/// TLS handshake (never resumed), the upgrade with a bearer token (offering
/// permessage-deflate when asked), then frames. Confined to its loop's thread.
final class BenchConnection: IOHandler, Flushable {
    enum Phase { case connecting, handshaking, upgrading, open, closing, closed }

    enum End: Equatable {
        /// We closed it (after our close frame was answered, or on purpose).
        case finished
        case failed(BenchConnectionError)
    }

    let loop: EventLoop
    let endpoint: StreamEndpoint
    private let scratch: LoopScratch
    private(set) var phase = Phase.connecting
    private var fd: Int32 = -1
    private let tls: TLSConnection
    private let token: String
    private let key: String
    private let offerCompression: Bool
    /// permessage-deflate was agreed in the upgrade: compressed messages are inflated.
    private(set) var isCompressed = false
    /// Frame bytes decrypted by the current socket read (for the byte counts).
    private var plaintextRead = 0
    private var answerBytes: [UInt8] = []
    private var reader = WebSocketReader(role: .client, maxMessageSize: 1 << 20)
    private var deadline: TimerID?
    private weak var delegate: BenchConnectionDelegate?
    var isFlushScheduled = false
    /// CLOCK_MONOTONIC nanoseconds at `start()`.
    private(set) var startedAt: UInt64 = 0
    /// Per-connection state the owner keeps (last seq seen).
    var lastSeq: Int64 = 0
    /// Set by the owner once the welcome message arrived.
    var welcomed = false

    init(loop: EventLoop, scratch: LoopScratch, endpoint: StreamEndpoint, context: TLSContext, token: String,
         offerCompression: Bool = false, delegate: BenchConnectionDelegate) throws {
        self.loop = loop
        self.offerCompression = offerCompression
        self.scratch = scratch
        self.endpoint = endpoint
        self.token = token
        self.delegate = delegate
        tls = try TLSConnection(clientContext: context, serverName: endpoint.host)
        // The key only has to be unpredictable to caches in between (RFC 6455 §4.1); a fast PRNG will do.
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        key = Base64.encode(bytes)
    }

    /// Starts connecting; the connection fails if it is not open within `timeoutSeconds`.
    func start(timeoutSeconds: Double) {
        startedAt = MonotonicClock.now()
        deadline = loop.schedule(afterNanoseconds: UInt64(timeoutSeconds * 1e9)) { [weak self] in
            guard let self, self.phase != .open else { return }
            self.fail(.timeout(self.phaseName))
        }
        do {
            let (fd, progress) = try Connector.startConnect(to: SocketAddress(host: endpoint.host, port: endpoint.port))
            self.fd = fd
            try loop.register(fd: fd, handler: self)
            if progress == .connected { connected() }
        } catch {
            fail(.connect(error.errno))
        }
    }

    var phaseName: String {
        switch phase {
        case .connecting: return "connect"
        case .handshaking: return "TLS handshake"
        case .upgrading: return "upgrade"
        case .open: return "open"
        case .closing: return "close"
        case .closed: return "closed"
        }
    }

    // MARK: Events

    func handleIO(_ events: IOEvents) {
        if phase == .connecting {
            guard !events.isDisjoint(with: [.writable, .error, .hangup]) else { return }
            if let address = try? SocketAddress(host: endpoint.host, port: endpoint.port),
               let error = Socket.pendingError(fd, connectingTo: address) {
                fail(.connect(error.errno))
                return
            }
            connected()
        }
        if events.contains(.readable) || events.contains(.hangup) { readAvailable() }
        if events.contains(.writable) && phase != .closed { flush() }
    }

    private func connected() {
        phase = .handshaking
        advanceHandshake()
        flush()
    }

    private func advanceHandshake() {
        switch tls.handshake() {
        case .complete:
            phase = .upgrading
            let offer = offerCompression ? NegotiatedCompression.offerHeader + "\r\n" : ""
            let request = "GET \(endpoint.path) HTTP/1.1\r\nHost: \(endpoint.authority)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer \(token)\r\n\(offer)\r\n"
            writePlaintext(Array(request.utf8))
        case .wantRead: break
        case .failed(let error): fail(.tls(error.description))
        }
    }

    private func readAvailable() {
        let buffer = loop.receiveBuffer
        while phase != .closed {
            let n: Int
            do {
                switch try Socket.read(fd, into: buffer) {
                case .wouldBlock: return
                case .done(let count): n = count
                }
            } catch {
                fail(phase == .open || phase == .closing ? .closedByServer(nil) : .reset(phaseName))
                return
            }
            if n == 0 {
                if phase == .closing { finish() } else { fail(phase == .open ? .closedByServer(nil) : .reset(phaseName)) }
                return
            }
            let now = WallTime.nanoseconds()
            let wasOpen = phase == .open
            plaintextRead = 0
            tls.withReceivedCiphertext(UnsafeRawBufferPointer(rebasing: buffer[..<n])) {
                if phase == .handshaking { advanceHandshake() }
                if phase == .upgrading || phase == .open || phase == .closing { readPlaintext(receivedAt: now) }
            }
            if wasOpen && phase == .open { delegate?.connection(self, read: n, plaintext: plaintextRead, at: now) }
            if phase != .closed { flush() }
        }
    }

    private func readPlaintext(receivedAt now: Int64) {
        guard phase != .closed else { return }
        let end = tls.readPlaintext(into: scratch.plaintext) { bytes in
            received(bytes, at: now)
            return phase != .closed
        }
        switch end {
        case .wantRead, .stopped:
            return
        case .closed:
            if phase == .closing { finish() } else { fail(.closedByServer(nil)) }
        case .failed(let error):
            fail(phase == .closing ? .closedByServer(nil) : .tls(error.description))
        }
    }

    private func received(_ bytes: UnsafeRawBufferPointer, at now: Int64) {
        if phase == .upgrading {
            answerBytes.append(contentsOf: bytes)
            switch UpgradeAnswer.parse(answerBytes) {
            case .incomplete: return
            case .malformed(let why): fail(.protocolError(why)); return
            case .complete(let answer):
                answerBytes = []
                guard answer.status == 101 else { fail(.refused(answer)); return }
                let expected = WebSocketHandshake.acceptValue(forKey: key, sha1: { Digest.sha1($0) })
                guard answer.headers["sec-websocket-accept"] == expected else {
                    fail(.protocolError("the server's Sec-WebSocket-Accept does not match our key"))
                    return
                }
                do {
                    let extensions = answer.headers["sec-websocket-extensions"].map { [$0] } ?? []
                    if let agreed = try NegotiatedCompression.fromAnswer(extensions, offered: offerCompression) {
                        agreed.enable(on: &reader)
                        isCompressed = true
                    }
                } catch {
                    fail(.protocolError(error.description))
                    return
                }
                phase = .open
                if let deadline { loop.cancel(deadline) }
                deadline = nil
                delegate?.connectionOpened(self)
                if !answer.rest.isEmpty { answer.rest.withUnsafeBytes { frames($0, at: now) } }
            }
        } else {
            frames(bytes, at: now)
        }
    }

    private func frames(_ bytes: UnsafeRawBufferPointer, at now: Int64) {
        plaintextRead += bytes.count
        reader.append(bytes)
        while phase != .closed, let event = reader.nextEvent() {
            switch event {
            case .text(let payload):
                if phase == .open { delegate?.connection(self, received: payload, at: now) }
            case .binary: break
            case .ping(let payload): sendFrame(.pong, payload)
            case .pong: break
            case .close(let code, _):
                if phase == .closing { finish(); return }
                // Echo the close (RFC 6455 §5.5.1); the server then closes TCP.
                writeFrameBytes(FrameEncoder.closeFrame(code: code, maskKey: Self.maskKey()))
                flush()
                fail(.closedByServer(code?.rawValue))
            case .failure(_, let why):
                fail(.protocolError(why))
            }
        }
    }

    // MARK: Sending

    func sendText(_ text: String) {
        guard phase == .open else { return }
        sendFrame(.text, Array(text.utf8))
    }

    private func sendFrame(_ opcode: Opcode, _ payload: [UInt8]) {
        writeFrameBytes(FrameEncoder.frame(opcode: opcode, payload: payload, maskKey: Self.maskKey()))
    }

    private func writeFrameBytes(_ frame: [UInt8]) { writePlaintext(frame) }

    private func writePlaintext(_ bytes: [UInt8]) {
        do {
            try bytes.withUnsafeBytes { try tls.write($0) }
        } catch {
            fail(.tls("\(error)"))
            return
        }
        loop.requestFlush(self)
    }

    /// Masking only stops proxies from being confused (RFC 6455 §10.3); it needs no strong randomness.
    private static func maskKey() -> UInt32 { UInt32.random(in: 1...UInt32.max) }

    func flush() {
        guard fd >= 0, phase != .closed else { return }
        do throws(SystemError) {
            // When the socket would block, the writable edge brings us back.
            _ = try tls.sendPendingCiphertext { bytes throws(SystemError) -> Int? in
                switch try Socket.write(fd, bytes) {
                case .done(let n): n
                case .wouldBlock: nil
                }
            }
        } catch {
            fail(phase == .open || phase == .closing ? .closedByServer(nil) : .reset(phaseName))
        }
    }

    // MARK: Ending

    /// Sends our close frame and waits (up to `timeoutSeconds`) for the server's answer.
    func close(timeoutSeconds: Double = 2) {
        guard phase == .open else { return }
        writeFrameBytes(FrameEncoder.closeFrame(code: .normal, maskKey: Self.maskKey()))
        phase = .closing
        flush()
        deadline = loop.schedule(afterNanoseconds: UInt64(timeoutSeconds * 1e9)) { [weak self] in
            guard let self, self.phase == .closing else { return }
            self.finish()
        }
    }

    /// Closes at once with a TCP reset (end of a run: no need to wait for anyone).
    func abort() {
        guard phase != .closed else { return }
        release(abortive: true)
    }

    private func finish() {
        guard phase != .closed else { return }
        release(abortive: false)
        delegate?.connectionEnded(self, .finished)
    }

    private func fail(_ failure: BenchConnectionError) {
        guard phase != .closed else { return }
        release(abortive: true)
        delegate?.connectionEnded(self, .failed(failure))
    }

    private func release(abortive: Bool) {
        phase = .closed
        if let deadline { loop.cancel(deadline) }
        deadline = nil
        if fd >= 0 {
            loop.deregister(fd: fd)
            if abortive { Socket.abort(fd) } else { Socket.close(fd) }
            fd = -1
        }
    }
}

/// CLOCK_REALTIME in nanoseconds: the publisher stamps `t_ns` with it and
/// subscribers subtract it, so latency needs one clock (or synced clocks).
public enum WallTime {
    @inline(__always)
    public static func nanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

/// Decrypted-bytes buffer shared by every connection of one loop (they run
/// one at a time), so a delivery costs no buffer allocation.
final class LoopScratch {
    let plaintext = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    deinit { plaintext.deallocate() }
}
