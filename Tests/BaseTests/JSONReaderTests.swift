import Base
import XCTest

/// The one strict reader, as every caller relies on it: exact types, members
/// in document order, duplicate names refused, the caller's depth bound.
final class JSONReaderTests: XCTestCase {
    private func parse(_ bytes: [UInt8], depth: Int = 8, bom: Bool = false) throws -> JSONValue {
        try JSONReader.parse(bytes, maximumDepth: depth, allowingByteOrderMark: bom)
    }

    private func syntaxError(_ text: String, depth: Int = 8) -> JSONSyntaxError? {
        do {
            _ = try parse(Array(text.utf8), depth: depth)
            return nil
        } catch {
            return error as? JSONSyntaxError
        }
    }

    func testMembersKeepDocumentOrderAndCompareAsSets() throws {
        let object = try XCTUnwrap(try parse(Array(#"{"b":1,"a":[true,null],"c":"x"}"#.utf8)).objectValue)
        XCTAssertEqual(object.keys, ["b", "a", "c"])
        XCTAssertEqual(object["a"], .array([.bool(true), .null]))
        XCTAssertNil(object["d"])
        XCTAssertEqual(JSONValue.object(object), .object(["c": .string("x"), "a": .array([.bool(true), .null]), "b": .number(JSONNumber(literal: "1"))]))
    }

    func testNumbersKeepTheirLiteral() throws {
        guard case .array(let numbers) = try parse(Array("[9223372036854775807, 9007199254740993, 1.0, -2.5e3, -0]".utf8)) else {
            return XCTFail()
        }
        let views = numbers.map { ($0.numberValue?.literal, $0.numberValue?.exactInteger, $0.numberValue?.isInteger) }
        XCTAssertEqual(views.map(\.0), ["9223372036854775807", "9007199254740993", "1.0", "-2.5e3", "-0"])
        XCTAssertEqual(views.map(\.1), [.max, 9_007_199_254_740_993, nil, nil, 0])
        XCTAssertEqual(views.map(\.2), [true, true, false, false, true])
        XCTAssertEqual(numbers[3].numberValue?.double, -2500)
    }

    func testRefusals() {
        let cases: [(String, Int, Int, String)] = [
            (#"{"alg":"ES256","alg":"none"}"#, 1, 16, "field \"alg\" appears twice in the same object"),
            ("{\"a\":1,}", 1, 8, "expected a quoted field name"),
            ("[1e400]", 1, 7, "number out of range"),
            ("[1,\n 2 3]", 2, 4, "expected ',' or ']'"),
            ("\u{FEFF}[]", 1, 1, "unexpected character '\u{EF}'"),  // the first byte, as the policy reader always said
        ]
        for (text, line, column, message) in cases {
            XCTAssertEqual(syntaxError(text), JSONSyntaxError(line: line, column: column, message: message), text)
        }
    }

    func testDepthIsTheCallersBound() {
        let eight = String(repeating: "[", count: 8) + String(repeating: "]", count: 8)
        XCTAssertNil(syntaxError(eight))
        XCTAssertEqual(syntaxError("[" + eight + "]")?.message, "nested deeper than 8 levels")
        XCTAssertNil(syntaxError("[" + eight + "]", depth: 9))
    }

    func testByteOrderMarkOnlyWhenAllowed() throws {
        XCTAssertEqual(try parse([0xEF, 0xBB, 0xBF] + Array("[]".utf8), bom: true), .array([]))
        XCTAssertThrowsError(try parse([0xEF, 0xBB, 0xBF] + Array("[]".utf8)))
    }

    /// Found by the `json` fuzz target: Foundation drops a U+FEFF inside a
    /// string; RFC 8259 makes it an ordinary character, and the reader keeps it.
    func testZeroWidthNoBreakSpaceInsideAStringIsKept() throws {
        let input: [UInt8] = [0x22, 0x30, 0x5C, 0x6E, 0xEF, 0xBB, 0xBF, 0x7B, 0x22]
        XCTAssertEqual(try parse(input, bom: true), .string("0\n\u{FEFF}{"))
    }

    func testInvalidUTF8InAStringIsRefusedAtTheString() {
        XCTAssertThrowsError(try parse([0x5B, 0x22, 0xFF, 0x22, 0x5D])) { error in
            XCTAssertEqual(error as? JSONSyntaxError, JSONSyntaxError(line: 1, column: 3, message: "string is not valid UTF-8"))
        }
    }
}
