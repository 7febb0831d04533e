import Base
import XCTest

/// Reading without building: every decision and every error is `parse`'s,
/// and the member-by-member reading gives names and values as written.
final class JSONReaderSkipTests: XCTestCase {
    private func parsed(_ bytes: [UInt8], depth: Int) -> JSONSyntaxError? {
        do {
            _ = try JSONReader.parse(bytes, maximumDepth: depth)
            return nil
        } catch {
            return error
        }
    }

    private func skipped(_ bytes: [UInt8], depth: Int) -> JSONSyntaxError? {
        var reader = JSONReader(bytes, maximumDepth: depth)
        do {
            _ = reader.nextByte()
            try reader.skipValue()
            try reader.finish()
            return nil
        } catch {
            return error
        }
    }

    func testSkipDecidesAsParseWithTheSameErrors() {
        let documents = [
            "0", "-0", "1.5", "1e5", "1E+5", "-2.5e-3", "true", "false", "null", #""""#, #""a\"b\\c\/\b\f\n\r\t""#,
            #""\u00e9\ud83d\ude00""#, "\"é\"", "[]", "{}", " [ 1 , [ ] , { } ] ", #"{"a":[{"b":{}}],"c":"d"}"#,
            "01", "1.", ".5", "1e", "1e+", "-", "+1", "0x10", "tru", "nul", "True", #""\u00g9""#, #""\x""#,
            "\"tab\there\"", "\"\u{01}\"", "[1,]", "[,1]", "[1 2]", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, "{a:1}",
            #"{"a":1 "b":2}"#, "\"unterminated", "[1]]", "", " ", "[", "{", #"{"a":"#, #"{"a":1"#, "[1e400]",
            "[1e308, 1.7976931348623157e308, 0.1e309, 1e-400, -1e-99999]", "[1.8e308]", "[-1e309]",
            "[" + String(repeating: "9", count: 309) + "]", "[" + String(repeating: "9", count: 308) + "]",
            "[0.0000000001e310]", "[1" + String(repeating: "0", count: 300) + "e8]",
            #"{"a":1,"a":2}"#, #"{"a":{"b":1,"b":2}}"#, #"[{"x":[],"y":{},"x":null}]"#, #"{"a":1,"\u0061":2}"#,
            "{\"\u{E9}\":1,\"e\u{301}\":2}", #"{"é":1,"\u00e9":2}"#, #"{"ab":1,"a":2,"b":3,"ba":4}"#,
            "{\"K\":1,\"\u{212A}\":2}", #"{"\u212A":1,"K":2}"#, #"{"K":1,"k":2}"#,  // the Kelvin sign is canonically K
            #"{"a":{"k":1},"b":{"k":2},"k":3}"#, #"["\ud800"]"#, #"["\ud800\u0041"]"#, #"["\udc00"]"#,
            #"["\ud83d\ude00x"]"#, "[\"\\", "[\"\\u12\"]", "[nulll]", "[true false]", "{\"a\":1}x", "{}\n",
        ]
        for document in documents {
            for depth in [2, 8] {
                XCTAssertEqual(skipped(Array(document.utf8), depth: depth), parsed(Array(document.utf8), depth: depth),
                               "\(document) at depth \(depth)")
            }
        }
        let eight = String(repeating: "[", count: 8) + String(repeating: "]", count: 8)
        for document in [eight, "[" + eight + "]", #"{"a":"# + eight + "}", #"{"a":{"a":"# + eight + "}}"] {
            XCTAssertEqual(skipped(Array(document.utf8), depth: 9), parsed(Array(document.utf8), depth: 9), document)
        }
    }

    func testInvalidUTF8IsRefusedAsParseRefusesIt() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
                               [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x5C, 0x6E, 0x22],
                               [0x5B, 0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22, 0x5D]] {
            XCTAssertEqual(skipped(bytes, depth: 8), parsed(bytes, depth: 8), "\(bytes)")
        }
    }

    func testMembersOneByOne() throws {
        let bytes = Array(#" {"s": "plain", "e": "a\nb", "n": -12.5, "o": {"x": [1, {}]}, "t\u0061g": true} "#.utf8)
        var reader = JSONReader(bytes, maximumDepth: 4)
        var object = try reader.beginObject()
        var names: [String] = []
        var values: [String] = []
        while let name = try reader.nextName(in: &object) {
            names.append(String(decoding: bytes[name.range], as: UTF8.self) + (name.isEscaped ? " (escaped)" : ""))
            if let text = try reader.readPlainString() {
                values.append("plain " + text)
            } else {
                values.append(String(decoding: bytes[try reader.skipValue()], as: UTF8.self))
            }
        }
        try reader.finish()
        XCTAssertEqual(names, ["s", "e", "n", "o", #"t\u0061g (escaped)"#])
        XCTAssertEqual(values, ["plain plain", #""a\nb""#, "-12.5", #"{"x": [1, {}]}"#, "true"])
        XCTAssertEqual(reader.position, bytes.count)
    }

    func testADuplicateNameIsRefusedWhereParseRefusesIt() {
        let bytes = Array(#"{"a": 1, "b": {"a": 2}, "\u0061": 3}"#.utf8)
        var reader = JSONReader(bytes, maximumDepth: 4)
        XCTAssertThrowsError(try {
            var object = try reader.beginObject()
            while try reader.nextName(in: &object) != nil { try reader.skipValue() }
        }()) { error in
            XCTAssertEqual(error as? JSONSyntaxError, JSONSyntaxError(line: 1, column: 25, message: "field \"a\" appears twice in the same object"))
        }
    }
}
