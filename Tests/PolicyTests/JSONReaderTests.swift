import Base
import XCTest
@testable import Policy

final class JSONReaderTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try PolicyDocument.parseJSON(Array(text.utf8)) }

    private func syntaxError(_ text: String) -> JSONSyntaxError? {
        do {
            _ = try PolicyDocument.parseJSON(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    func testValues() throws {
        guard case .object(let members) = try parse(#" {"a": [1, -2.5, 3e2, true, false, null, "x\u00e9\ud83d\ude00\n"]} "#),
              case .array(let values) = members.first?.value else { return XCTFail() }
        XCTAssertEqual(members.first?.key, "a")
        func number(_ value: JSONValue) -> (Double, Bool)? {
            guard case .number(let number) = value, let double = number.double else { return nil }
            return (double, number.isInteger)
        }
        guard case (1, true)? = number(values[0]), case (-2.5, false)? = number(values[1]), case (300, false)? = number(values[2]),
              case .bool(true) = values[3], case .bool(false) = values[4], case .null = values[5],
              case .string("xé😀\n") = values[6] else { return XCTFail("\(values)") }
    }

    func testRejections() {
        let cases: [(String, Int, Int, String)] = [
            ("{\"a\": 1, \"a\": 2}", 1, 10, "field \"a\" appears twice in the same object"),
            ("[01]", 1, 2, "leading zeros are not allowed in numbers"),
            ("[1,]", 1, 4, "unexpected character ']'"),
            ("{} x", 1, 4, "unexpected text after the top-level value"),
            ("[\"a\nb\"]", 1, 4, "control character in string (escape it)"),
            ("[\"\\x\"]", 1, 4, "unknown escape '\\x'"),
            ("[\"\\ud800\"]", 1, 9, "unpaired surrogate in \\u escape"),
            ("// comment\n{}", 1, 1, "unexpected character '/'"),
            ("[tru]", 1, 5, "expected 'true'"),
            (String(repeating: "[", count: 65), 1, 65, "nested deeper than 64 levels"),
        ]
        for (text, line, column, message) in cases {
            XCTAssertEqual(syntaxError(text), JSONSyntaxError(line: line, column: column, message: message), text)
        }
        XCTAssertEqual(JSONReaderTests.invalidUTF8()?.message, "the file is not valid UTF-8")
    }

    private static func invalidUTF8() -> JSONSyntaxError? {
        do {
            _ = try PolicyDocument.parseJSON([0x22, 0xFF, 0x22])
            return nil
        } catch {
            return error
        }
    }
}
