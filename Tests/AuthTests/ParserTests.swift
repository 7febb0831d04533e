@testable import Auth
import Base
import TextFormat
import XCTest

/// The strict decoders the verifier runs before libjwt sees a token.
final class ParserTests: XCTestCase {
    private func json(_ text: String) -> JSONValue? {
        try? JSONReader.parse(Array(text.utf8), maximumDepth: CompactJWS.maximumJSONDepth)
    }

    func testJSONTypesAreExact() {
        XCTAssertEqual(json(#"{"a":true,"b":1,"c":1.5e3,"d":null,"e":"x\u00e9\ud83d\ude00"}"#), .object([
            "a": .bool(true), "b": .number(JSONNumber(literal: "1")), "c": .number(JSONNumber(literal: "1.5e3")),
            "d": .null, "e": .string("xé😀"),
        ]))
        XCTAssertEqual(JSONNumber(literal: "9223372036854775807").exactInteger, .max)
        XCTAssertNil(JSONNumber(literal: "9223372036854775808").exactInteger)
        XCTAssertNil(JSONNumber(literal: "1.0").exactInteger)
    }

    func testJSONRefusesAmbiguityAndSloppiness() {
        for text in [#"{"alg":"ES256","alg":"none"}"#, #"{"a":1,}"#, "[1,]", "01", "1.", "-", "+1", ".5", "NaN",
                     #"{"a":"\ud800"}"#, "\"a\u{1}\"", #"{"a" 1}"#, "{} {}", "tru", #""\x""#, "",
                     String(repeating: "[", count: 17) + String(repeating: "]", count: 17)] {
            XCTAssertNil(json(text), text)
        }
        XCTAssertNotNil(json(String(repeating: "[", count: 16) + String(repeating: "]", count: 16)))
    }

    func testJSONSerializationEscapesAndSorts() {
        let value = JSONValue.object(["b": .string("q\"\\\n\u{1}é"), "a": .integer(-5), "c": .strings(["x"])])
        XCTAssertEqual(value.serialized, #"{"a":-5,"b":"q\"\\\n\u0001é","c":["x"]}"#)
        XCTAssertEqual(json(value.serialized), value)
    }

    func testBase64URLIsCanonicalOnly() {
        func url(_ text: String) -> [UInt8]? { Base64.decode(Array(text.utf8), alphabet: .url) }
        XCTAssertEqual(url(""), [])
        XCTAssertEqual(url("_-8"), [0xFF, 0xEF])
        XCTAssertEqual(url("YQ"), Array("a".utf8))
        for text in ["YR", "YQ==", "Y", "Y+8", "Y/8", "YQ ", "YQ\n", "Y.Q"] {
            XCTAssertNil(url(text), text)
        }
    }

    func testStandardBase64ForPEM() {
        func std(_ text: String) -> [UInt8]? { Base64.decode(Array(text.utf8), alphabet: .standard) }
        XCTAssertEqual(std("YQ=="), Array("a".utf8))
        XCTAssertEqual(std("YWI="), Array("ab".utf8))
        XCTAssertNil(std("YQ"))
        XCTAssertNil(std("Y==="))
        XCTAssertEqual(Base64.encode(Array("abcd".utf8), lineLength: 64), "YWJjZA==\n")
    }
}
