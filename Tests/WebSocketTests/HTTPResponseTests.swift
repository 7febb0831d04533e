import XCTest

@testable import WebSocket

final class HTTPResponseTests: XCTestCase {
    func testSerializedSetsContentLengthFromTheBody() {
        let response = HTTPResponse(
            status: 200, headers: [("Content-Type", "text/plain"), ("content-length", "999")], body: ascii("ok"))
        XCTAssertEqual(
            String(decoding: response.serialized(), as: UTF8.self),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
    }

    func testEmptyBodyStillHasContentLengthExceptFor101And204() {
        XCTAssertEqual(String(decoding: HTTPResponse(status: 404).serialized(), as: UTF8.self), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(String(decoding: HTTPResponse(status: 204).serialized(), as: UTF8.self), "HTTP/1.1 204 No Content\r\n\r\n")
        XCTAssertEqual(String(decoding: HTTPResponse(status: 101).serialized(), as: UTF8.self), "HTTP/1.1 101 Switching Protocols\r\n\r\n")
    }

    func testConnectionClose() {
        let response = HTTPResponse(status: 503, headers: [("Retry-After", "5"), ("Connection", "keep-alive")], closeConnection: true)
        XCTAssertEqual(
            String(decoding: response.serialized(), as: UTF8.self),
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    }

    func testReasonPhrases() {
        let expected: [Int: String] = [
            101: "Switching Protocols", 200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            413: "Content Too Large", 426: "Upgrade Required", 429: "Too Many Requests",
            431: "Request Header Fields Too Large", 501: "Not Implemented", 503: "Service Unavailable",
            505: "HTTP Version Not Supported", 418: "Client Error",
        ]
        for (status, reason) in expected { XCTAssertEqual(HTTPResponse(status: status).reason, reason) }
    }

    func testJSONRefusalShape() {
        let response = HTTPResponse.json(
            status: 429, error: "rate_limited", message: "slow down", extraHeaders: [("Retry-After", "3")])
        XCTAssertEqual(
            String(decoding: response.serialized(), as: UTF8.self),
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
                + "Retry-After: 3\r\nContent-Length: 46\r\n\r\n"
                + #"{"error":"rate_limited","message":"slow down"}"#)
    }

    func testJSONEscapesEverythingJSONForbidsRaw() {
        let message = "quote \" backslash \\ newline \n cr \r tab \t nul \u{0} esc \u{1b} del \u{7f} é \u{2028}"
        let body = String(decoding: HTTPResponse.json(status: 400, error: "bad_request", message: message).body, as: UTF8.self)
        XCTAssertEqual(
            body,
            #"{"error":"bad_request","message":"quote \" backslash \\ newline \n cr \r tab \t nul \u0000 esc \u001b del "#
                + "\u{7f} é " + #"\u2028"}"#)
    }

    func testHeaderInjectionIsNeutralised() {
        let response = HTTPResponse(status: 200, headers: [("X-Echo", "a\r\nSet-Cookie: x=1"), ("Bad Name", "v")])
        XCTAssertEqual(
            String(decoding: response.serialized(), as: UTF8.self),
            "HTTP/1.1 200 OK\r\nX-Echo: a  Set-Cookie: x=1\r\nBad_Name: v\r\nContent-Length: 0\r\n\r\n")
    }
}
