import XCTest

@testable import WebSocket

/// RFC 6455 §4.2: the server's reading of the opening handshake.
final class WebSocketHandshakeTests: XCTestCase {
    private static let validHeaders: [(String, String)] = [
        ("Host", "server.example.com"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Sec-WebSocket-Version", "13"),
    ]

    private func request(
        method: String = "GET", target: String = "/ws", versionMinor: Int = 1,
        replacing name: String? = nil, with value: String? = nil, adding extra: [(String, String)] = []
    ) -> HTTPRequest {
        var pairs = Self.validHeaders
        if let name {
            pairs.removeAll { $0.0 == name }
            if let value { pairs.append((name, value)) }
        }
        return HTTPRequest(
            method: method, target: target, versionMinor: versionMinor, headers: HTTPHeaders(pairs + extra))
    }

    private func refusal(_ request: HTTPRequest, file: StaticString = #filePath, line: UInt = #line) -> UpgradeError? {
        switch WebSocketHandshake.validate(request) {
        case .success(let upgrade):
            XCTFail("accepted \(upgrade)", file: file, line: line)
            return nil
        case .failure(let refusal):
            return refusal
        }
    }

    func testAcceptValueFromRFC6455() {
        XCTAssertEqual(
            WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==", sha1: SHA1.digest),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    func testTestSHA1MatchesFIPSVectors() {
        XCTAssertEqual(SHA1.digest(ascii("abc")), hex("a9 99 3e 36 47 06 81 6a ba 3e 25 71 78 50 c2 6c 9c d0 d8 9d"))
        XCTAssertEqual(SHA1.digest([]), hex("da 39 a3 ee 5e 6b 4b 0d 32 55 bf ef 95 60 18 90 af d8 07 09"))
    }

    func testValidRequestFromTheParser() throws {
        var parser = HTTPRequestParser()
        guard case .complete(let parsed, _) = parser.parse(HTTPRequestParserTests.upgradeRequest) else {
            return XCTFail()
        }
        XCTAssertTrue(WebSocketHandshake.isUpgradeAttempt(parsed))
        let upgrade = try WebSocketHandshake.validate(parsed).get()
        XCTAssertEqual(upgrade.key, "dGhlIHNhbXBsZSBub25jZQ==")
        XCTAssertEqual(upgrade.subprotocols, ["chat", "superchat"])
        XCTAssertEqual(upgrade.origin, "http://example.com")
        XCTAssertEqual(upgrade.path, "/ws")
        XCTAssertEqual(upgrade.query, "since=41")
        XCTAssertEqual(upgrade.headers["Host"], "server.example.com")
    }

    func testTokenListsAreCaseInsensitiveAndMayHoldOtherTokens() throws {
        let upgrade = try WebSocketHandshake.validate(
            request(replacing: "Connection", with: "keep-alive, UPGRADE")).get()
        XCTAssertNil(upgrade.origin)
        XCTAssertNoThrow(try WebSocketHandshake.validate(request(replacing: "Upgrade", with: "WebSocket")).get())
    }

    func testSubprotocolsFromEveryHeaderLine() throws {
        let upgrade = try WebSocketHandshake.validate(
            request(adding: [("Sec-WebSocket-Protocol", "stream.v1, bearer.eyJ.x.y"), ("sec-websocket-protocol", " v2 ,,")])
        ).get()
        XCTAssertEqual(upgrade.subprotocols, ["stream.v1", "bearer.eyJ.x.y", "v2"])
    }

    func testPlainGETIsNotAnUpgradeAttempt() {
        XCTAssertFalse(WebSocketHandshake.isUpgradeAttempt(HTTPRequest(target: "/healthz", headers: ["Host": "a"])))
    }

    func testEachMissingOrBadHeaderIs400() {
        let cases: [(String, HTTPRequest)] = [
            ("POST", request(method: "POST")),
            ("HTTP/1.0", request(versionMinor: 0)),
            ("no Host", request(replacing: "Host", with: nil)),
            ("empty Host", request(replacing: "Host", with: "")),
            ("no Upgrade", request(replacing: "Upgrade", with: nil)),
            ("Upgrade h2c", request(replacing: "Upgrade", with: "h2c")),
            ("no Connection", request(replacing: "Connection", with: nil)),
            ("Connection keep-alive", request(replacing: "Connection", with: "keep-alive")),
            ("Connection upgraded", request(replacing: "Connection", with: "upgraded")),
            ("no key", request(replacing: "Sec-WebSocket-Key", with: nil)),
            ("key not base64", request(replacing: "Sec-WebSocket-Key", with: "not base64!")),
            ("key of 15 bytes", request(replacing: "Sec-WebSocket-Key", with: "AAAAAAAAAAAAAAAAAAAA")),
            ("key of 17 bytes", request(replacing: "Sec-WebSocket-Key", with: "AAAAAAAAAAAAAAAAAAAAAAA=")),
            ("key unpadded", request(replacing: "Sec-WebSocket-Key", with: "dGhlIHNhbXBsZSBub25jZQ")),
            ("two keys", request(adding: [("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==")])),
            ("no version", request(replacing: "Sec-WebSocket-Version", with: nil)),
        ]
        for (name, request) in cases {
            let refusal = refusal(request)
            XCTAssertEqual(refusal?.status, 400, name)
            XCTAssertEqual(refusal?.errorCode, "bad_request", name)
        }
    }

    func testOtherVersionIs426NamingVersion13() {
        for version in ["8", "12", "14", "13, 8", ""] {
            let refusal = refusal(request(replacing: "Sec-WebSocket-Version", with: version))
            XCTAssertEqual(refusal, .unsupportedVersion(offered: version), version)
        }
        let response = UpgradeError.unsupportedVersion(offered: "8").response()
        XCTAssertEqual(response.status, 426)
        let text = String(decoding: response.serialized(), as: UTF8.self)
        XCTAssertEqual(
            text,
            "HTTP/1.1 426 Upgrade Required\r\n"
                + "Content-Type: application/json\r\n"
                + "Cache-Control: no-store\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "Content-Length: 92\r\n"
                + "\r\n"
                + #"{"error":"unsupported_version","message":"WebSocket version \"8\" is not supported; use 13"}"#)
    }

    func testBadRequestResponseBody() {
        let response = UpgradeError.badRequest(reason: "missing Sec-WebSocket-Key header").response()
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(
            String(decoding: response.body, as: UTF8.self),
            #"{"error":"bad_request","message":"missing Sec-WebSocket-Key header"}"#)
    }

    func testSwitchingProtocolsResponse() {
        let bytes = WebSocketHandshake.response(accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", subprotocol: "stream.v1")
        XCTAssertEqual(
            String(decoding: bytes, as: UTF8.self),
            "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                + "Sec-WebSocket-Protocol: stream.v1\r\n"
                + "\r\n")
        let plain = WebSocketHandshake.response(accept: "x", subprotocol: nil, extraHeaders: [("Server", "streamd")])
        XCTAssertEqual(
            String(decoding: plain, as: UTF8.self),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: x\r\nServer: streamd\r\n\r\n")
    }
}
