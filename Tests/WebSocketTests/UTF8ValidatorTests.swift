import XCTest

@testable import WebSocket

/// Unicode §3.9 Table 3-7, and the sequences Autobahn section 6 sends.
final class UTF8ValidatorTests: XCTestCase {
    private func isValid(_ bytes: [UInt8]) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes) && validator.isComplete
    }

    func testAcceptsWellFormedText() {
        XCTAssertTrue(isValid([]))
        XCTAssertTrue(isValid(ascii("Hello, world! {\"type\":\"ping\"}")))
        XCTAssertTrue(isValid(ascii("κόσμε")))  // Autobahn 6.2
        XCTAssertTrue(isValid(hex("ce ba e1 bd b9 cf 83 ce bc ce b5")))
        XCTAssertTrue(isValid(hex("f0 9f 98 80")))  // U+1F600
        XCTAssertTrue(isValid(hex("f4 8f bf bf")))  // U+10FFFF, the last code point
        XCTAssertTrue(isValid(hex("ef bf bf")))  // U+FFFF, a noncharacter but valid
        XCTAssertTrue(isValid(hex("ed 9f bf ee 80 80")))  // U+D7FF, U+E000 around the surrogates
        XCTAssertTrue(isValid(hex("00 7f c2 80 df bf e0 a0 80")))  // each range's edges
    }

    func testRejectsOverlongEncodings() {
        XCTAssertFalse(isValid(hex("c0 af")))  // "/" in two bytes
        XCTAssertFalse(isValid(hex("c1 bf")))
        XCTAssertFalse(isValid(hex("e0 80 af")))
        XCTAssertFalse(isValid(hex("e0 9f bf")))
        XCTAssertFalse(isValid(hex("f0 80 80 af")))
        XCTAssertFalse(isValid(hex("f0 8f bf bf")))
    }

    func testRejectsSurrogates() {
        XCTAssertFalse(isValid(hex("ed a0 80")))  // U+D800
        XCTAssertFalse(isValid(hex("ed bf bf")))  // U+DFFF
        XCTAssertFalse(isValid(hex("ed a0 80 ed b0 80")))  // a CESU-8 pair
    }

    func testRejectsCodePointsAboveU10FFFF() {
        XCTAssertFalse(isValid(hex("f4 90 80 80")))
        XCTAssertFalse(isValid(hex("f5 80 80 80")))
        XCTAssertFalse(isValid(hex("ff")))
        XCTAssertFalse(isValid(hex("fe")))
    }

    func testRejectsStrayAndMissingContinuationBytes() {
        XCTAssertFalse(isValid(hex("80")))
        XCTAssertFalse(isValid(hex("41 bf 41")))
        XCTAssertFalse(isValid(hex("c2 41")))
        XCTAssertFalse(isValid(hex("e1 80 41")))
    }

    func testTruncatedSequenceIsValidSoFarButIncomplete() {
        var validator = UTF8Validator()
        XCTAssertTrue(validator.validate(hex("48 e2 82")))
        XCTAssertFalse(validator.isComplete)
        XCTAssertTrue(validator.validate(hex("ac")))  // "H€"
        XCTAssertTrue(validator.isComplete)
    }

    func testStateCarriesAcrossEverySplitPoint() {
        let text = hex("48 65 ce ba e1 bd b9 f0 9f 98 80 cf 83 21")
        for split in 0...text.count {
            var validator = UTF8Validator()
            XCTAssertTrue(validator.validate(Array(text[..<split])), "split at \(split)")
            XCTAssertTrue(validator.validate(Array(text[split...])), "split at \(split)")
            XCTAssertTrue(validator.isComplete, "split at \(split)")
        }
    }

    func testFailsAtTheFirstBadByteAndStaysFailed() {
        var validator = UTF8Validator()
        XCTAssertTrue(validator.validate(hex("ce ba e1 bd")))
        XCTAssertFalse(validator.validate(hex("41")))  // needed a continuation byte
        XCTAssertFalse(validator.validate(ascii("fine")))
        XCTAssertFalse(validator.isComplete)
        validator.reset()
        XCTAssertTrue(validator.validate(ascii("fine")))
    }

    func testASCIIFastPathStopsAtNonASCIIInsideAWord() {
        // 7 ASCII bytes then a bad byte in the same 8-byte word, then a long run.
        XCTAssertFalse(isValid(ascii("abcdefg") + [0xff] + ascii(String(repeating: "x", count: 40))))
        XCTAssertTrue(isValid(ascii(String(repeating: "abcdefgh", count: 9)) + hex("c3 a9")))
        XCTAssertFalse(isValid(ascii(String(repeating: "abcdefgh", count: 9)) + hex("c3")))
    }

    func testAgreesWithTheStandardLibraryOnEveryTwoByteSequence() {
        for first in 0...255 {
            for second in 0...255 {
                let bytes = [UInt8(first), UInt8(second)]
                let expected = String(validating: bytes, as: UTF8.self) != nil
                XCTAssertEqual(isValid(bytes), expected, "\(bytes)")
            }
        }
    }

    func testAgreesWithTheStandardLibraryOnThreeAndFourByteLeads() {
        for lead: UInt8 in [0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5] {
            for second in 0x70...0xc0 {
                for tail: [UInt8] in [[0x80], [0xbf], [0x80, 0x80], [0xbf, 0xbf]] {
                    let bytes = [lead, UInt8(second)] + tail
                    let expected = String(validating: bytes, as: UTF8.self) != nil
                    XCTAssertEqual(isValid(bytes), expected, "\(bytes)")
                }
            }
        }
    }
}
