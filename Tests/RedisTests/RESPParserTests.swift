import Redis
import XCTest

final class RESPParserTests: XCTestCase {
    private func parse(_ wire: String) throws -> [RESPValue] {
        let parser = RESPParser()
        try parser.feed(Array(wire.utf8))
        var replies: [RESPValue] = []
        while let reply = try parser.next() { replies.append(reply) }
        return replies
    }

    func testEveryType() throws {
        XCTAssertEqual(try parse("+OK\r\n"), [.simpleString("OK")])
        XCTAssertEqual(try parse("-ERR unknown command 'x'\r\n"), [.error("ERR unknown command 'x'")])
        XCTAssertEqual(try parse(":-42\r\n"), [.integer(-42)])
        XCTAssertEqual(try parse(":9223372036854775807\r\n"), [.integer(Int64.max)])
        XCTAssertEqual(try parse("$5\r\nhello\r\n"), [.bulk(Array("hello".utf8))])
        XCTAssertEqual(try parse("$0\r\n\r\n"), [.bulk([])])
        XCTAssertEqual(try parse("*0\r\n"), [.array([])])
    }

    func testNullBulkAndNullArray() throws {
        XCTAssertEqual(try parse("$-1\r\n"), [.null])
        XCTAssertEqual(try parse("*-1\r\n"), [.null])
        XCTAssertEqual(try parse("*3\r\n$1\r\na\r\n$-1\r\n$1\r\nc\r\n"),
                       [.array([.bulk([0x61]), .null, .bulk([0x63])])])
    }

    func testBulkStringsAreBinarySafe() throws {
        // CR, LF and NUL inside a bulk string are data: the length prefix rules.
        let parser = RESPParser()
        try parser.feed([0x24, 0x35, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0xFF, 0x2B, 0x0D, 0x0A])
        XCTAssertEqual(try parser.next(), .bulk([0x00, 0x0D, 0x0A, 0xFF, 0x2B]))
        XCTAssertNil(try parser.next())
    }

    func testNestedArrays() throws {
        let wire = "*3\r\n*2\r\n:1\r\n$1\r\nx\r\n*1\r\n*1\r\n+deep\r\n-ERR inside\r\n"
        XCTAssertEqual(try parse(wire), [.array([
            .array([.integer(1), .bulk([0x78])]),
            .array([.array([.simpleString("deep")])]),
            .error("ERR inside"),
        ])])
    }

    func testSeveralRepliesInOneFeedComeOutInOrder() throws {
        XCTAssertEqual(try parse("+OK\r\n:1\r\n:2\r\n$-1\r\n"), [.simpleString("OK"), .integer(1), .integer(2), .null])
    }

    func testPartialInputFedByteByByte() throws {
        let wire = Array("*2\r\n$3\r\nfoo\r\n*1\r\n:7\r\n+PONG\r\n".utf8)
        let parser = RESPParser()
        var replies: [RESPValue] = []
        for (index, byte) in wire.enumerated() {
            try parser.feed([byte])
            while let reply = try parser.next() {
                replies.append(reply)
                // Each reply completes exactly on its final LF, never earlier.
                XCTAssertEqual(byte, 0x0A, "reply completed mid-line at byte \(index)")
            }
        }
        XCTAssertEqual(replies, [.array([.bulk(Array("foo".utf8)), .array([.integer(7)])]), .simpleString("PONG")])
    }

    func testIncompleteReplyYieldsNothing() throws {
        let parser = RESPParser()
        try parser.feed(Array("$9\r\nhalf".utf8))
        XCTAssertNil(try parser.next())
        try parser.feed(Array("-done\r\n".utf8))
        XCTAssertEqual(try parser.next(), .bulk(Array("half-done".utf8)))
    }

    func testUnknownTypeByteIsAProtocolError() throws {
        let parser = RESPParser()
        try parser.feed(Array("!oops\r\n".utf8))
        XCTAssertThrowsError(try parser.next()) { error in
            guard case RedisError.protocolError(let detail) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(detail.contains("Protocol error"), detail)
        }
    }

    func testBadIntegerIsAProtocolError() throws {
        let parser = RESPParser()
        try parser.feed(Array(":12x4\r\n".utf8))
        XCTAssertThrowsError(try parser.next()) { error in
            guard case RedisError.protocolError = error else { return XCTFail("got \(error)") }
        }
    }

    func testAccessors() {
        XCTAssertEqual(RESPValue.bulk(Array("42".utf8)).int, 42)
        XCTAssertEqual(RESPValue.integer(7).int, 7)
        XCTAssertEqual(RESPValue.simpleString("OK").string, "OK")
        XCTAssertEqual(RESPValue.bulk(Array("héllo".utf8)).string, "héllo")
        XCTAssertNil(RESPValue.null.string)
        XCTAssertNil(RESPValue.error("ERR x").string)
        XCTAssertEqual(RESPValue.error("ERR x").errorMessage, "ERR x")
        XCTAssertEqual(RESPValue.array([.null]).array, [.null])
        XCTAssertNil(RESPValue.integer(1).array)
        XCTAssertTrue(RESPValue.null.isNull)
    }
}
