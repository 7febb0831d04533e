import Foundation
@testable import StreamServer
import XCTest

/// The publish fast path's JSON scan: what it keeps, and that it accepts
/// exactly the documents a strict parser accepts (anything it is unsure of
/// goes to the general path, so a wrong "yes" is the failure that matters).
final class PublishSkimTests: XCTestCase {
    private func skim(_ text: String) -> PublishSkim? { PublishSkim.skim(Array(text.utf8)) }

    func testKeepsTheMembersPublishingNeedsAndDataVerbatim() throws {
        let text = #"{ "type":"publish", "id": 42, "channel":"signal:EURUSD", "event":"signal", "data": {"b": [1, 2.5e-3, {"x": null}], "valid_until":"2026-11-27T08:00:00.000Z", "s":"a\"b"} }"#
        let result = try XCTUnwrap(skim(text))
        XCTAssertEqual(result.type, "publish")
        XCTAssertEqual(result.id, "42")
        XCTAssertEqual(result.channel, "signal:EURUSD")
        XCTAssertEqual(result.event, "signal")
        XCTAssertEqual(result.dataValidUntil, "2026-11-27T08:00:00.000Z")
        let data = try XCTUnwrap(result.data)
        XCTAssertEqual(String(decoding: Array(text.utf8)[data], as: UTF8.self),
                       #"{"b": [1, 2.5e-3, {"x": null}], "valid_until":"2026-11-27T08:00:00.000Z", "s":"a\"b"}"#)
        XCTAssertEqual(skim(#"{"type":"publish","id":"req-1","data":{}}"#)?.id, #""req-1""#)
    }

    func testDataThatIsNotAnObjectIsNoted() {
        XCTAssertEqual(skim(#"{"type":"publish","data":[1]}"#)?.dataIsNotAnObject, true)
        XCTAssertNil(skim(#"{"type":"publish","data":[1]}"#)?.data)
    }

    func testWhatTheGeneralPathMustHandle() {
        for text in [
            #"{"type":"publish","type":"publish"}"#,            // duplicate key
            #"{"type":"pub\u006cish"}"#,                        // escape in a kept string
            #"{"type":"publish","id":1.5}"#,                    // id not a plain integer
            #"{"type":"publish","id":true}"#,
            #"{"type":"publish","id":-0}"#,
            #"{"type":"publish","id":1234567890123456}"#,       // 16 digits
            #"{"type":"publish","data":{"valid_until":5}}"#,    // valid_until not a string
            #"{"type":"publish","data":{"a":1,"a":2}}"#,
        ] {
            XCTAssertNil(skim(text), text)
        }
    }

    /// The fast path reads through the strict reader, so it refuses what
    /// the reader refuses at any depth, as the general path does (it once
    /// forwarded the first four as written).
    func testWhatTheReaderRefusesAnywhereGoesToTheGeneralPath() {
        for text in [
            #"{"type":"publish","data":{"a":{"b":1,"b":2}}}"#,  // duplicate key nested in data
            #"{"type":"publish","data":[{"b":1,"b":2}]}"#,
            #"{"type":"publish","data":{"v":1e400}}"#,          // beyond Double's range
            #"{"type":"publish","data":{"v":"\ud800"}}"#,      // unpaired surrogate
            #"{"type":"publish","data":{"a":1,"\u0061":2}}"#,  // the same name, escaped
        ] {
            XCTAssertNil(skim(text), text)
            guard case .failure = ClientRequest.parse(Array(text.utf8)) else { return XCTFail("the general path read \(text)") }
        }
    }

    func testNeverAcceptsWhatRFC8259Refuses() {
        let valid = ["0", "-0", "1", "-12", "1.5", "1e5", "1E+5", "1e-5", "true", "false", "null", "\"\"", "\"a\"",
                     "\"\\u00e9\"", "\"\\/\"", "\"é\"", "[]", "{}", "[[[[]]]]", "{\"a\":[{}]}", "[1, 2 ,3]"]
        let invalid = ["01", "1.", ".5", "1e", "1e+", "-", "+1", "0x10", "tru", "nul", "True", "\"\\u00g9\"", "\"\\x\"",
                       "\"tab\there\"", "\"\u{01}\"", "[1,]", "[,1]", "[1 2]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
                       "{a:1}", "{\"a\":1 \"b\":2}", "\"unterminated", "[1]]"]
        func document(_ value: String) -> String { #"{"type":"publish","channel":"tick:X","data":{"v":\#(value)}}"# }
        for value in valid {
            XCTAssertNotNil(skim(document(value)), "valid JSON refused: \(value)")
            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(document(value).utf8)), "oracle: \(value)")
        }
        // Foundation's parser tolerates trailing commas; the fast path does
        // not, so those go the general way. It must never say yes where RFC 8259 says no.
        for value in invalid { XCTAssertNil(skim(document(value)), "invalid JSON accepted: \(value)") }
        for text in ["", " ", "[]", "\"s\"", "{\"type\":\"publish\"} x", "{\"type\":\"publish\"}}", "{\"type\":\"publish\""] {
            XCTAssertNil(skim(text), text.debugDescription)
        }
        XCTAssertNotNil(skim(" \n{\"type\":\"publish\"}\t "), "whitespace around the object")
    }

    func testNestingIsBounded() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        XCTAssertNil(skim(#"{"type":"publish","data":{"v":\#(deep)}}"#), "deeper than the fast path goes: general path")
        let shallow = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        XCTAssertNotNil(skim(#"{"type":"publish","data":{"v":\#(shallow)}}"#))
    }
}
