import Foundation
import Glibc
import NetCore
import StreamClient
import TLS
import WebSocket

/// A blocking TLS client for tests: real sockets, real TLS (our OpenSSL
/// layer, client side), and raw access to bytes so tests can send anything.
final class TestClient: @unchecked Sendable {
    let connection: BlockingTLSConnection
    var tls: TLSConnection { connection.tls }
    private var plaintext: [UInt8] = []   // received, not yet consumed
    var reader = WebSocketReader(role: .client, maxMessageSize: 16 << 20)
    var peerClosedTCP: Bool { connection.peerClosed }
    /// The welcome message, once a session has read it.
    var welcome: [String: Any] = [:]

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(port: UInt16, caPath: String, serverName: String = "127.0.0.1", timeoutSeconds: Int = 5,
         receiveBufferBytes: Int32? = nil, configure: (inout TLSClientConfiguration) -> Void = { _ in }) throws {
        connection = try BlockingTLSConnection(host: "127.0.0.1", port: port, caPath: caPath, serverName: serverName,
                                               timeoutSeconds: timeoutSeconds, receiveBufferBytes: receiveBufferBytes,
                                               configure: configure)
    }

    /// Pulls whatever plaintext the server sends next into `plaintext`.
    /// Returns false when the server ended TLS (close_notify).
    @discardableResult
    func receiveMore() throws -> Bool {
        try connection.receive(into: &plaintext)
    }

    func send(_ bytes: [UInt8]) throws { try connection.send(bytes) }

    /// Drops the connection at once (no close frame): the server sees EOF.
    /// The descriptor itself is closed when the client is released.
    func close() { Glibc.shutdown(connection.fd, Int32(SHUT_RDWR)) }

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
        let answer = try connection.readAnswer(buffer: &plaintext)
        return Response(status: answer.status, headers: answer.headers, body: answer.bodyText)
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
