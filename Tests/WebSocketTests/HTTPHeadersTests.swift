import XCTest

@testable import WebSocket

/// RFC 9110 §5: case-insensitive names, ordered repeats, comma-separated lists.
final class HTTPHeadersTests: XCTestCase {
    private let headers: HTTPHeaders = [
        "Host": "a",
        "Connection": "keep-alive, Upgrade",
        "sec-websocket-protocol": "stream.v1",
        "Sec-WebSocket-Protocol": "bearer.x",
        "X-List": " ,alpha ,, Beta\t",
    ]

    func testLookupIsCaseInsensitiveAndReturnsTheFirstValue() {
        XCTAssertEqual(headers.count, 5)
        XCTAssertEqual(headers["HOST"], "a")
        XCTAssertEqual(headers["Sec-Websocket-Protocol"], "stream.v1")
        XCTAssertNil(headers["Hos"])
        XCTAssertNil(headers["Host2"])
    }

    func testValuesKeepOrder() {
        XCTAssertEqual(headers.values("SEC-WEBSOCKET-PROTOCOL"), ["stream.v1", "bearer.x"])
        XCTAssertEqual(headers.values("missing"), [])
    }

    func testContainsTokenReadsCommaSeparatedLists() {
        XCTAssertTrue(headers.containsToken("connection", "upgrade"))
        XCTAssertTrue(headers.containsToken("Connection", "KEEP-ALIVE"))
        XCTAssertFalse(headers.containsToken("Connection", "upgrad"))
        XCTAssertFalse(headers.containsToken("Connection", "keep-alive, Upgrade"))
        XCTAssertTrue(headers.containsToken("X-List", "beta"))
        XCTAssertFalse(headers.containsToken("X-List", ""))
        XCTAssertFalse(headers.containsToken("Missing", "upgrade"))
    }

    func testIterationAndAdd() {
        var copy = headers
        copy.add(name: "X-New", value: "1")
        XCTAssertEqual(copy.map(\.name), ["Host", "Connection", "sec-websocket-protocol", "Sec-WebSocket-Protocol", "X-List", "X-New"])
        XCTAssertNotEqual(copy, headers)
    }
}
