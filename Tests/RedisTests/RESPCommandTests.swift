import Redis
import XCTest

final class RESPCommandTests: XCTestCase {
    func testCommandIsAnArrayOfBulkStrings() {
        XCTAssertEqual(RESPCommand.encode(["SET", "key", "value"]),
                       Array("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n".utf8))
    }

    func testEmptyArgumentAndMultibyteLengthsCountBytes() {
        XCTAssertEqual(RESPCommand.encode(["ECHO", ""]), Array("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n".utf8))
        // "é" is two bytes: the prefix counts bytes, not characters.
        XCTAssertEqual(RESPCommand.encode(["ECHO", "é"]), Array("*2\r\n$4\r\nECHO\r\n$2\r\n".utf8) + [0xC3, 0xA9, 0x0D, 0x0A])
    }

    func testBinaryArgumentsTravelUnchanged() {
        let payload: [UInt8] = [0x00, 0x0D, 0x0A, 0x2A, 0x24, 0xFF]
        XCTAssertEqual(RESPCommand.encode([Array("SET".utf8), Array("k".utf8), payload]),
                       Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\n".utf8) + payload + [0x0D, 0x0A])
    }

    func testEncodingIntoAppendsForPipelines() {
        var out: [UInt8] = []
        RESPCommand.encode([Array("PING".utf8)], into: &out)
        RESPCommand.encode([Array("PING".utf8)], into: &out)
        XCTAssertEqual(out, Array("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n".utf8))
    }

    func testEncodedCommandParsesBackAsTheSameArray() throws {
        // RESP requests are themselves RESP arrays: hiredis's reader must agree with our encoder.
        let arguments: [[UInt8]] = [Array("EVAL".utf8), Array("return 1".utf8), [0x30], [], [0x00, 0x0A, 0x0D]]
        let parser = RESPParser()
        try parser.feed(RESPCommand.encode(arguments))
        XCTAssertEqual(try parser.next(), .array(arguments.map { .bulk($0) }))
    }
}
