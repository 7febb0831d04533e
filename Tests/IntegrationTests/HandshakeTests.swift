import Foundation
import Glibc
import NetCore
import TLS
import XCTest

/// The HTTP side of a connection: upgrade answers, refusals, plain endpoints
/// and the handshake limits, against the real server over real TLS.
final class HandshakeTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server.stop() }

    func testUpgradeAnswers101WithTheRFCAcceptValue() throws {
        let client = try server.client()
        let response = try client.upgrade()
        XCTAssertEqual(response.header("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        XCTAssertEqual(response.header("Upgrade")?.lowercased(), "websocket")
        XCTAssertNil(response.header("Sec-WebSocket-Protocol"), "no subprotocol offered, none answered")
        let welcome = try client.nextJSON()
        XCTAssertEqual(welcome["type"] as? String, "welcome")
        XCTAssertNotNil(welcome["timestamp"] as? String)
        XCTAssertEqual((welcome["data"] as? [String: Any])?["heartbeat_s"] as? Int, 30)
    }

    func testTLS13IsNegotiatedByDefault() throws {
        let client = try server.client()
        XCTAssertEqual(client.tls.protocolVersion, "TLSv1.3")
    }

    func testTLS12ClientGetsAnAEADCipher() throws {
        let client = try TestClient(port: server.port, caPath: server.caPath) { $0.maximumVersion = .v1_2 }
        XCTAssertEqual(client.tls.protocolVersion, "TLSv1.2")
        XCTAssertTrue(client.tls.cipherName.contains("GCM") || client.tls.cipherName.contains("CHACHA20"), client.tls.cipherName)
    }

    func testOfferedSubprotocolIsAnswered() throws {
        let client = try server.client()
        let response = try client.upgrade(extraHeaders: ["Sec-WebSocket-Protocol: stream.v1", "Authorization: Bearer \(TestServer.token())"])
        XCTAssertEqual(response.header("Sec-WebSocket-Protocol"), "stream.v1")
    }

    func testWrongVersionGets426WithTheSupportedVersion() throws {
        let client = try server.client()
        try client.send(TestClient.upgradeRequest(version: "8"))
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 426)
        XCTAssertEqual(response.header("Sec-WebSocket-Version"), "13")
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        XCTAssertTrue(response.body.contains("\"error\""), response.body)
    }

    func testMissingKeyIs400WithJSONError() throws {
        let client = try server.client()
        try client.send("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 400)
        let body = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: String]
        XCTAssertEqual(body?["error"], "bad_request")
        XCTAssertNotNil(body?["message"])
        XCTAssertTrue(client.serverClosesConnection())
    }

    func testHeadersAtTheLimitPassAndOneByteMoreIs431() throws {
        // Request line + headers + final CRLF of exactly 8192 bytes passes.
        let auth = "Authorization: Bearer \(TestServer.token())"
        func request(totalBytes: Int) -> String {
            let base = TestClient.upgradeRequest(extraHeaders: [auth, "X-Pad: "])
            let pad = String(repeating: "a", count: totalBytes - base.utf8.count)
            return TestClient.upgradeRequest(extraHeaders: [auth, "X-Pad: " + pad])
        }
        let atLimit = request(totalBytes: 8192)
        XCTAssertEqual(atLimit.utf8.count, 8192)
        let ok = try server.client()
        try ok.send(atLimit)
        XCTAssertEqual(try ok.readResponse().status, 101)

        let over = try server.client()
        try over.send(request(totalBytes: 8193))
        let response = try over.readResponse()
        XCTAssertEqual(response.status, 431)
        XCTAssertTrue(over.serverClosesConnection())
    }

    func testTooManyHeadersIs431() throws {
        let client = try server.client()
        let headers = (0..<70).map { "X-H\($0): v" }
        try client.send(TestClient.upgradeRequest(extraHeaders: headers))
        XCTAssertEqual(try client.readResponse().status, 431)
    }

    func testHealthz() throws {
        let client = try server.client()
        try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, #"{"status":"ok"}"#)
    }

    func testUnknownPathIs404() throws {
        let client = try server.client()
        try client.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 404)
    }

    func testPlainHTTPOnTheTLSPortIsClosedAtOnceAndOthersAreUndisturbed() throws {
        let session = try server.session()
        let fd = try Connector.connect(to: SocketAddress(host: "127.0.0.1", port: server.port))
        defer { Socket.close(fd) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        var byte: UInt8 = 0
        let n = Glibc.recv(fd, &byte, 1, 0)
        XCTAssertTrue(n == 0 || (n < 0 && errno == ECONNRESET), "expected the server to close, got \(n) errno \(errno)")
        try session.sendText(#"{"type":"ping","id":1}"#)
        XCTAssertEqual(try session.nextJSON()["type"] as? String, "pong")
    }

    func testHandshakeDeadlineClosesASilentSocket() throws {
        server.stop()
        server = try TestServer { $0.limits.handshakeTimeout = 1 }
        let fd = try Connector.connect(to: SocketAddress(host: "127.0.0.1", port: server.port))
        defer { Socket.close(fd) }
        var tv = timeval(tv_sec: 8, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        let n = Glibc.recv(fd, &byte, 1, 0)
        XCTAssertTrue(n == 0 || (n < 0 && errno == ECONNRESET), "the server should drop a silent socket; got \(n) errno \(errno)")
    }

    func testHandshakeDeadlineAlsoCoversASlowRequest() throws {
        server.stop()
        server = try TestServer { $0.limits.handshakeTimeout = 1 }
        let client = try TestClient(port: server.port, caPath: server.caPath, timeoutSeconds: 8)
        try client.send("GET /ws HTTP/1.1\r\n")  // and never finish the request
        XCTAssertTrue(client.serverClosesConnection())
    }

    func testCapacityLimitAnswers503() throws {
        server.stop()
        server = try TestServer { $0.limits.maxConnections = 1 }
        let first = try server.session()
        let second = try server.client()
        try second.send(TestClient.upgradeRequest())
        let response = try second.readResponse()
        XCTAssertEqual(response.status, 503)
        XCTAssertNotNil(response.header("Retry-After"))
        _ = first
    }
}
