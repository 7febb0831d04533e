import XCTest

@testable import WebSocket

/// RFC 9112 request parsing, strict where leniency enables smuggling.
final class HTTPRequestParserTests: XCTestCase {
    /// RFC 6455 §1.2's opening handshake.
    static let upgradeRequest = ascii(
        "GET /ws?since=41 HTTP/1.1\r\n"
            + "Host: server.example.com\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Origin: http://example.com\r\n"
            + "Sec-WebSocket-Protocol: chat, superchat\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "\r\n")

    private func parse(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> HTTPParseResult {
        var parser = HTTPRequestParser(limits: limits)
        return parser.parse(bytes)
    }

    private func request(_ result: HTTPParseResult, file: StaticString = #filePath, line: UInt = #line) -> HTTPRequest? {
        guard case .complete(let request, _) = result else {
            XCTFail("expected a request, got \(result)", file: file, line: line)
            return nil
        }
        return request
    }

    private func assertFails(
        _ text: String, _ expected: HTTPParseError? = nil, status: Int, limits: HTTPLimits = HTTPLimits(),
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard case .failed(let error) = parse(ascii(text), limits: limits) else {
            return XCTFail("expected failure for \(text.debugDescription)", file: file, line: line)
        }
        XCTAssertEqual(error.status, status, "\(error)", file: file, line: line)
        if let expected { XCTAssertEqual(error, expected, file: file, line: line) }
    }

    func testUpgradeRequestFromRFC6455() throws {
        let bytes = Self.upgradeRequest + hex("81 85 37 fa")  // a frame right behind the head
        guard case .complete(let request, let consumed) = parse(bytes) else { return XCTFail() }
        XCTAssertEqual(consumed, Self.upgradeRequest.count)
        XCTAssertEqual(request.method, "GET")
        XCTAssertEqual(request.target, "/ws?since=41")
        XCTAssertEqual(request.path, "/ws")
        XCTAssertEqual(request.query, "since=41")
        XCTAssertEqual(request.versionMinor, 1)
        XCTAssertEqual(request.headers.count, 7)
        XCTAssertEqual(request.headers["host"], "server.example.com")
        XCTAssertEqual(request.headers["SEC-WEBSOCKET-KEY"], "dGhlIHNhbXBsZSBub25jZQ==")
        XCTAssertTrue(request.headers.containsToken("connection", "upgrade"))
        XCTAssertEqual(request.body, [])
    }

    func testUpgradeRequestOneByteAtATime() {
        var parser = HTTPRequestParser()
        for (index, byte) in Self.upgradeRequest.enumerated() {
            let result = parser.parse([byte])
            if index < Self.upgradeRequest.count - 1 {
                XCTAssertEqual(result, .needMore, "byte \(index)")
            } else {
                guard case .complete(let parsed, let consumed) = result else { return XCTFail("\(result)") }
                XCTAssertEqual(consumed, 1)
                XCTAssertEqual(parsed, request(parse(Self.upgradeRequest)))
            }
        }
    }

    func testBareLFLineEndingsAreTolerated() {
        let request = request(parse(ascii("GET / HTTP/1.1\nHost: a\n\n")))
        XCTAssertEqual(request?.headers["Host"], "a")
    }

    func testLeadingEmptyLineIsIgnored() {
        XCTAssertEqual(request(parse(ascii("\r\nGET /x HTTP/1.0\r\n\r\n")))?.path, "/x")
    }

    func testHeaderValuesAreTrimmedAndKeepOrderAndDuplicates() {
        let request = request(parse(ascii("GET / HTTP/1.1\r\nHost:a\r\nX-A: \t one \t\r\nX-A: two\r\n\r\n")))
        XCTAssertEqual(request?.headers.values("x-a"), ["one", "two"])
        XCTAssertEqual(request?.headers["Host"], "a")
    }

    // MARK: limits

    /// A head of exactly `size` bytes, counting the final empty line.
    private func head(ofSize size: Int) -> [UInt8] {
        let start = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: "
        let end = "\r\n\r\n"
        let pad = String(repeating: "p", count: size - start.utf8.count - end.utf8.count)
        return ascii(start + pad + end)
    }

    func testHeadOf8192BytesPasses() {
        let bytes = head(ofSize: 8192)
        XCTAssertEqual(bytes.count, 8192)
        guard case .complete(_, let consumed) = parse(bytes) else { return XCTFail() }
        XCTAssertEqual(consumed, 8192)
        var parser = HTTPRequestParser()
        for byte in bytes.dropLast() { XCTAssertEqual(parser.parse([byte]), .needMore) }
        guard case .complete = parser.parse([bytes.last!]) else { return XCTFail() }
    }

    func testHeadOf8193BytesIs431() {
        XCTAssertEqual(parse(head(ofSize: 8193)), .failed(.headersTooLarge))
        XCTAssertEqual(HTTPParseError.headersTooLarge.status, 431)
    }

    func testOversizedHeadFailsWithoutWaitingForItsEnd() {
        var parser = HTTPRequestParser()
        let flood = ascii("GET / HTTP/1.1\r\nX: ") + [UInt8](repeating: 0x61, count: 8000)
        XCTAssertEqual(parser.parse(flood), .needMore)
        XCTAssertEqual(parser.parse([UInt8](repeating: 0x61, count: 200)), .failed(.headersTooLarge))
        XCTAssertEqual(parser.parse(ascii("\r\n\r\n")), .failed(.headersTooLarge))  // stays failed
        parser.reset()
        XCTAssertNotNil(request(parser.parse(ascii("GET / HTTP/1.0\r\n\r\n"))))
    }

    func testTooManyHeadersIs431() {
        let limits = HTTPLimits(maxHeaderCount: 3)
        XCTAssertNotNil(request(parse(ascii("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n"), limits: limits)))
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", .tooManyHeaders, status: 431, limits: limits)
        let sixtyFive = (0..<65).map { "X-\($0): y\r\n" }.joined()
        assertFails("GET / HTTP/1.1\r\nHost: a\r\n" + sixtyFive + "\r\n", .tooManyHeaders, status: 431)
    }

    // MARK: syntax (400)

    func testObsoleteLineFoldingIs400() {
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n", status: 400)
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n\ttwo\r\n\r\n", status: 400)
    }

    func testWhitespaceBeforeTheColonIs400() {
        assertFails("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .malformed(reason: "whitespace between header name and colon"), status: 400)
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nContent-Length\t: 0\r\n\r\n", status: 400)
    }

    func testBareCRIs400() {
        assertFails("GET / HTTP/1.1\r\nHost: a\rX-Evil: 1\r\n\r\n", .malformed(reason: "bare CR in request head"), status: 400)
        assertFails("GET / HTTP/1.1\rHost: a\r\n\r\n", status: 400)
    }

    func testBadHeaderNamesAndValuesAre400() {
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nX(A): 1\r\n\r\n", status: 400)
        assertFails("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n", status: 400)
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", status: 400)
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nX-A: nul\u{0}here\r\n\r\n", status: 400)
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nX-A: bell\u{7}\r\n\r\n", status: 400)
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nX-A: del\u{7f}\r\n\r\n", status: 400)
    }

    func testBadRequestLinesAre400() {
        assertFails("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400)  // double space
        assertFails("GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n", status: 400)
        assertFails("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400)  // method not a token
        assertFails("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", status: 400)  // absolute-form
        assertFails("GET * HTTP/1.1\r\nHost: a\r\n\r\n", status: 400)
        assertFails("GET /a\u{7f} HTTP/1.1\r\nHost: a\r\n\r\n", status: 400)
        assertFails("GET / http/1.1\r\nHost: a\r\n\r\n", status: 400)
        assertFails("GET / HTTP/1.10\r\nHost: a\r\n\r\n", status: 400)
        assertFails("\r\n\r\n", status: 400)
    }

    func testHostRulesOfRFC9112() {
        assertFails("GET / HTTP/1.1\r\n\r\n", .malformed(reason: "missing Host header"), status: 400)
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400)
        XCTAssertNotNil(request(parse(ascii("GET / HTTP/1.0\r\n\r\n"))))
    }

    // MARK: versions (505)

    func testOtherHTTPVersionsAre505() {
        for version in ["HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/3.0"] {
            assertFails("GET / \(version)\r\nHost: a\r\n\r\n", .unsupportedVersion, status: 505)
        }
        XCTAssertEqual(request(parse(ascii("GET / HTTP/1.0\r\n\r\n")))?.versionMinor, 0)
    }

    // MARK: bodies

    func testContentLengthBody() {
        let text = "POST /api/v1/publish HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n{\"a\":[1,2]}GET"
        guard case .complete(let request, let consumed) = parse(ascii(text)) else { return XCTFail() }
        XCTAssertEqual(request.body, ascii("{\"a\":[1,2]}"))
        XCTAssertEqual(consumed, text.utf8.count - 3)
    }

    func testContentLengthBodyAcrossChunks() {
        var parser = HTTPRequestParser()
        XCTAssertEqual(parser.parse(ascii("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab")), .needMore)
        XCTAssertEqual(parser.parse(ascii("c")), .needMore)
        guard case .complete(let parsed, let consumed) = parser.parse(ascii("deGET /")) else { return XCTFail() }
        XCTAssertEqual(parsed.body, ascii("abcde"))
        XCTAssertEqual(consumed, 2)
        // The parser is ready for the next (pipelined) request.
        XCTAssertEqual(parser.parse(ascii("GET / HTTP/1.0\r\n")), .needMore)
        XCTAssertNotNil(request(parser.parse(ascii("\r\n"))))
    }

    func testIdenticalRepeatedContentLengthIsAccepted() {
        let text = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 02, 2\r\n\r\nok"
        XCTAssertEqual(request(parse(ascii(text)))?.body, ascii("ok"))
    }

    func testAmbiguousContentLengthIs400() {
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", status: 400)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 3\r\n\r\nabc", status: 400)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", status: 400)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", status: 400)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", status: 400)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 0\r\n\r\n", status: 400)
    }

    func testContentLengthAndTransferEncodingTogetherIs400() {
        assertFails(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            .malformed(reason: "both Content-Length and Transfer-Encoding"), status: 400)
    }

    func testChunkedTransferEncodingIs501() {
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", .unsupportedTransferEncoding, status: 501)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", status: 501)
    }

    func testBodyOverTheLimitIs413BeforeItArrives() {
        let limits = HTTPLimits(maxBodyBytes: 10)
        XCTAssertEqual(request(parse(ascii("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"), limits: limits))?.body.count, 10)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", .bodyTooLarge, status: 413, limits: limits)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", .bodyTooLarge, status: 413)
    }

    func testParseErrorResponsesAreJSONAndClose() {
        let response = HTTPParseError.headersTooLarge.response()
        XCTAssertEqual(response.status, 431)
        let text = String(decoding: response.serialized(), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"), text)
        XCTAssertTrue(text.contains("\r\nConnection: close\r\n"), text)
        XCTAssertTrue(text.hasSuffix("\r\n\r\n{\"error\":\"headers_too_large\",\"message\":\"request line and headers exceed the size limit\"}"), text)
    }
}
