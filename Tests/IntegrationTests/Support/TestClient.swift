import Foundation
import Glibc
import NetCore
import TLS
import WebSocket

/// A blocking TLS client for tests: real sockets, real TLS (our OpenSSL
/// layer, client side), and raw access to bytes so tests can send anything.
final class TestClient {
    let fd: Int32
    let tls: TLSConnection
    private var plaintext: [UInt8] = []   // received, not yet consumed
    var reader = WebSocketReader(role: .client, maxMessageSize: 16 << 20)
    private(set) var peerClosedTCP = false
    /// The welcome message, once a session has read it.
    var welcome: [String: Any] = [:]

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(port: UInt16, caPath: String, serverName: String = "127.0.0.1", timeoutSeconds: Int = 5,
         configure: (inout TLSClientConfiguration) -> Void = { _ in }) throws {
        fd = try Connector.connect(to: SocketAddress(host: "127.0.0.1", port: port))
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var config = TLSClientConfiguration(caPath: caPath)
        configure(&config)
        tls = try TLSConnection(clientContext: TLSContext(client: config), serverName: serverName)
        try handshake()
    }

    deinit { Socket.close(fd) }

    private func handshake() throws {
        while true {
            switch tls.handshake() {
            case .complete:
                try sendPending()
                return
            case .failed(let error):
                try? sendPending()
                throw error
            case .wantRead:
                try sendPending()
                try receiveCiphertext { _ in }
            }
        }
    }

    private func sendPending() throws {
        while tls.hasPendingCiphertext {
            var failed = false
            tls.withPendingCiphertext { bytes in
                let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
                if n < 0 { failed = true; return 0 }
                return n
            }
            if failed { throw Failure(description: "send failed: errno \(errno)") }
        }
    }

    /// Reads one chunk of ciphertext and runs `body` with it fed to TLS.
    private func receiveCiphertext(_ body: (TLSConnection) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { peerClosedTCP = true; throw Failure(description: "server closed the TCP connection") }
        if n < 0 { throw Failure(description: errno == EAGAIN ? "timed out waiting for the server" : "recv failed: errno \(errno)") }
        try buffer.withUnsafeBytes { raw in
            try tls.withReceivedCiphertext(UnsafeRawBufferPointer(rebasing: raw[..<n])) {
                if !tls.isHandshakeComplete {
                    if case .failed(let e) = tls.handshake() { throw e }
                }
                try body(tls)
            }
        }
    }

    /// Pulls whatever plaintext the server sends next into `plaintext`.
    /// Returns false when the server ended TLS (close_notify) or TCP.
    @discardableResult
    func receiveMore() throws -> Bool {
        var open = true
        try receiveCiphertext { tls in
            var buffer = [UInt8](repeating: 0, count: 65536)
            loop: while true {
                let result = buffer.withUnsafeMutableBytes { tls.read(into: $0) }
                switch result {
                case .bytes(let n): plaintext.append(contentsOf: buffer[..<n])
                case .wantRead: break loop
                case .closed: open = false; break loop
                case .failed(let e): throw e
                }
            }
        }
        try sendPending()
        return open
    }

    func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try tls.write($0) }
        try sendPending()
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    // MARK: HTTP

    struct Response {
        let status: Int
        let headers: [(String, String)]
        let body: String
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    /// Reads an HTTP response head (and a Content-Length body).
    func readResponse() throws -> Response {
        while true {
            if let end = plaintext.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: plaintext[..<end.lowerBound], as: UTF8.self)
                var lines = head.components(separatedBy: "\r\n")
                let statusLine = lines.removeFirst().split(separator: " ")
                let headers = lines.map { line -> (String, String) in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
                }
                let length = Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
                while plaintext.count < end.upperBound + length {
                    guard try receiveMore() else { break }
                }
                let bodyEnd = min(plaintext.count, end.upperBound + length)
                let body = String(decoding: plaintext[end.upperBound..<bodyEnd], as: UTF8.self)
                plaintext.removeSubrange(..<bodyEnd)
                return Response(status: Int(statusLine[1]) ?? 0, headers: headers, body: body)
            }
            guard try receiveMore() else { throw Failure(description: "connection closed before a response") }
        }
    }

    static func upgradeRequest(path: String = "/ws", key: String = "dGhlIHNhbXBsZSBub25jZQ==",
                               extraHeaders: [String] = [], version: String = "13") -> String {
        var lines = [
            "GET \(path) HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: \(key)", "Sec-WebSocket-Version: \(version)",
        ]
        lines += extraHeaders
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// Upgrades and returns the 101 answer; leftover bytes feed the frame reader.
    @discardableResult
    func upgrade(extraHeaders: [String] = ["Authorization: Bearer \(TestServer.token())"]) throws -> Response {
        try send(TestClient.upgradeRequest(extraHeaders: extraHeaders))
        let response = try readResponse()
        guard response.status == 101 else { throw Failure(description: "expected 101, got \(response.status): \(response.body)") }
        return response
    }

    // MARK: WebSocket

    /// Sends one client frame, masked unless told otherwise; `rsv` sets bits 4–6 of byte 0.
    func sendFrame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) throws {
        try send(RawFrame.make(opcode: opcode, payload: payload, fin: fin, masked: masked, rsv: rsv))
    }

    func sendText(_ text: String) throws { try sendFrame(0x1, Array(text.utf8)) }

    /// The next complete event from the server (frames already assembled).
    func nextEvent() throws -> WebSocketEvent {
        while true {
            if !plaintext.isEmpty {
                plaintext.withUnsafeBytes { reader.append($0) }
                plaintext.removeAll()
            }
            if let event = reader.nextEvent() { return event }
            guard try receiveMore() else { throw Failure(description: "TLS closed before the next frame") }
        }
    }

    /// Skips pings and returns the next text message as a JSON object.
    func nextJSON() throws -> [String: Any] {
        while true {
            switch try nextEvent() {
            case .text(let bytes):
                guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                    throw Failure(description: "not a JSON object: \(String(decoding: bytes, as: UTF8.self))")
                }
                return object
            case .ping, .pong: continue
            case let other: throw Failure(description: "expected a text message, got \(other)")
            }
        }
    }

    /// Waits for the server's close frame and returns its code.
    func expectClose() throws -> CloseCode? {
        while true {
            switch try nextEvent() {
            case .close(let code, _): return code
            case .failure(let code, let reason): throw Failure(description: "client reader failed: \(code.rawValue) \(reason)")
            default: continue
            }
        }
    }

    /// True when the server closed TCP (or TLS) within the receive timeout.
    func serverClosesConnection() -> Bool {
        while true {
            do {
                if try !receiveMore() { return true }
            } catch {
                return peerClosedTCP || "\(error)".contains("closed") || "\(error)".contains("reset") || "\(error)".contains("errno 104")
            }
        }
    }
}

/// Client frames built by hand, including ones no correct client would send.
enum RawFrame {
    static func make(opcode: UInt8, payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0,
                     maskKey: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]) -> [UInt8] {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        switch payload.count {
        case ..<126: frame.append(maskBit | UInt8(payload.count))
        case ..<65536: frame.append(maskBit | 126); frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        default:
            frame.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((UInt64(payload.count) >> UInt64(shift)) & 0xff)) }
        }
        if masked {
            frame += maskKey
            frame += payload.enumerated().map { $0.element ^ maskKey[$0.offset % 4] }
        } else {
            frame += payload
        }
        return frame
    }
}
