import Foundation
import TextFormat
import XCTest

/// The shared text formats: every JSON string streamd writes goes through
/// one escaper, every time stamp through one formatter.
final class TextFormatTests: XCTestCase {
    func testEscapesWhatJSONAndTerminalsNeed() {
        XCTAssertEqual(JSONStringEscaper.quoted(#"a"b\c"#), #""a\"b\\c""#)
        XCTAssertEqual(JSONStringEscaper.quoted("\n\r\t\u{08}\u{0C}\u{01}"), #""\n\r\t\b\f\u0001""#)
        XCTAssertEqual(JSONStringEscaper.quoted("\u{7F}\u{80}\u{9F}"), "\"\u{7F}\u{80}\u{9F}\"", "valid JSON as they are")
        var audit: [UInt8] = []
        JSONStringEscaper.appendQuoted("\u{7F}\u{80}\u{9F}\u{A0}", to: &audit, escapingTerminalControls: true)
        XCTAssertEqual(String(decoding: audit, as: UTF8.self), "\"\\u007f\\u0080\\u009f\u{A0}\"", "DEL and C1 escaped for terminals")
        XCTAssertEqual(JSONStringEscaper.quoted("\u{2028}\u{2029}"), #""\u2028\u2029""#, "safe inside JavaScript too")
        XCTAssertEqual(JSONStringEscaper.quoted("é\u{A0}€✓😀"), "\"é\u{A0}€✓😀\"", "everything else stays UTF-8")
    }

    func testEveryEscapedStringReadsBackTheSame() throws {
        let samples = ["", "plain", "\u{0}\u{1F}\u{7F}\u{80}\u{9F}\u{A0}", "\u{2027}\u{2028}\u{2029}\u{202A}", "quote\"back\\slash", "😀 \u{10FFFF}"]
        for sample in samples {
            let json = "[" + JSONStringEscaper.quoted(sample) + "]"
            let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]
            XCTAssertEqual(decoded, [sample], json)
        }
    }

    func testObjectWriterKeepsOrderAndWritesNumbersPlainly() throws {
        var writer = JSONObjectWriter()
        writer.string("b", "x\"y")
        writer.integer("a", -7)
        writer.number("bid", 1.085)
        writer.number("volume", 2)
        writer.number("bad", .nan)
        writer.raw("price", "1.08500")
        XCTAssertEqual(writer.json, #"{"b":"x\"y","a":-7,"bid":1.085,"volume":2,"bad":null,"price":1.08500}"#)
        XCTAssertEqual(JSONObjectWriter().json, "{}")
    }

    func testRFC3339RoundTrips() {
        for milliseconds: Int64 in [0, -1, 1_709_251_199_007, 1_795_766_400_123] {
            XCTAssertEqual(RFC3339.parse(RFC3339.format(milliseconds: milliseconds)), milliseconds)
        }
        XCTAssertEqual(RFC3339.format(milliseconds: 1_795_766_400_123), "2026-11-27T08:00:00.123Z")
        XCTAssertEqual(RFC3339.parse("2026-11-27T09:00:00.123+01:00"), 1_795_766_400_123)
        XCTAssertNil(RFC3339.parse("2026-02-30T00:00:00Z"))
    }
}
