import XCTest
@testable import Policy

final class ChannelPatternTests: XCTestCase {
    func testValidPatternsRoundTrip() throws {
        for text in ["tick:EURUSD", "tick:*", "tick:EUR*", "order:{sub}", "payload:{sub}", "order:desk-{sub}-x", "idea:a:b"] {
            XCTAssertEqual(try ChannelPattern(parsing: text).description, text)
        }
    }

    func testInvalidPatternsSayWhy() {
        let cases: [(String, ChannelPatternError)] = [
            ("", .empty),
            ("tick:**", .misplacedWildcard),
            ("tick:*EUR", .misplacedWildcard),
            ("tick:E*R*", .misplacedWildcard),
            ("*", .missingKind),
            ("*:x", .unknownKind("*")),
            ("tick", .missingKind),
            ("trade:EURUSD", .unknownKind("trade")),
            ("Tick:EURUSD", .unknownKind("Tick")),
            ("tick:", .emptyName),
            ("tick:EUR USD", .notPrintableASCII(offset: 8)),
            ("tick:EUR\u{0}", .notPrintableASCII(offset: 8)),
            ("tick:é", .notPrintableASCII(offset: 5)),
            ("order:{user}", .badPlaceholder),
            ("order:{sub", .badPlaceholder),
            ("order:sub}", .badPlaceholder),
            ("order:{sub}{sub}", .repeatedSubject),
            ("order:{sub}*", .wildcardWithSubject),
            ("order:{sub}-*", .wildcardWithSubject),
            ("tick:" + String(repeating: "A", count: 124), .tooLong(bytes: 129, max: 128)),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try ChannelPattern(parsing: text), text) { error in
                XCTAssertEqual(error as? ChannelPatternError, expected, text)
            }
        }
    }

    func testSubjectIsSubstitutedLiterally() throws {
        let order = try ChannelPattern(parsing: "order:{sub}")
        XCTAssertEqual(order.resolved(subject: "acct-1")?.description, "order:acct-1")
        XCTAssertEqual(order.resolved(subject: "acct-1")?.isWildcard, false)
        // Characters that are syntax in a pattern are plain text in a subject.
        XCTAssertEqual(order.resolved(subject: "x:y")?.description, "order:x:y")
        XCTAssertEqual(order.resolved(subject: "{sub}")?.description, "order:{sub}")
        XCTAssertFalse(order.resolved(subject: "{sub}")!.matches("order:acct-1"))
        let surrounded = try ChannelPattern(parsing: "order:desk-{sub}-live")
        XCTAssertEqual(surrounded.resolved(subject: "7")?.description, "order:desk-7-live")
    }

    func testUnsafeSubjectsGetNoSubjectPattern() throws {
        let order = try ChannelPattern(parsing: "order:{sub}")
        for subject in ["", "*", "acct*", "a b", " acct-1", "acct-1\n", "acçt", "\u{0}", String(repeating: "a", count: 101)] {
            XCTAssertNil(order.resolved(subject: subject), String(reflecting: subject))
        }
        XCTAssertNotNil(order.resolved(subject: String(repeating: "a", count: 100)))
        // Patterns without {sub} do not depend on the subject at all.
        XCTAssertEqual(try ChannelPattern(parsing: "tick:*").resolved(subject: "*")?.description, "tick:*")
    }

    func testChannelNameValidation() {
        XCTAssertNil(ChannelName.validate("tick:EURUSD"))
        XCTAssertNil(ChannelName.validate("signal:*"))
        XCTAssertNil(ChannelName.validate("order:{sub}"), "braces are literal in names clients send")
        XCTAssertNotNil(ChannelName.validate("tick:EUR USD"))
        XCTAssertNotNil(ChannelName.validate("tick:**"))
        XCTAssertNotNil(ChannelName.validate("*"))
        XCTAssertNotNil(ChannelName.validate("order:"))
        XCTAssertNotNil(ChannelName.validate("news:x"))
        XCTAssertNil(ChannelName.validate("tick:" + String(repeating: "A", count: 123)))
        XCTAssertEqual(ChannelName.validate("tick:" + String(repeating: "A", count: 124)), "129 bytes long, at most 128 allowed")
        XCTAssertNil(ChannelName.validate("tick:ABCDEFGHIJ", maxBytes: 15))
        XCTAssertNotNil(ChannelName.validate("tick:ABCDEFGHIJK", maxBytes: 15))
        XCTAssertTrue(ChannelName.isPattern("tick:*"))
        XCTAssertFalse(ChannelName.isPattern("tick:EURUSD"))
    }

    func testMatchesComparesBytes() throws {
        let exact = try XCTUnwrap(ChannelPattern(parsing: "order:{sub}").resolved(subject: "acct-1"))
        XCTAssertTrue(exact.matches("order:acct-1"))
        for other in ["order:acct-10", "order:acct-", "order:ACCT-1", "order:acct-1 ", "order:acct-1\u{0}", "order:acct-1\u{301}", "order:*"] {
            XCTAssertFalse(exact.matches(other), String(reflecting: other))
        }
        let prefix = try XCTUnwrap(ChannelPattern(parsing: "tick:EUR*").resolved(subject: "s"))
        XCTAssertTrue(prefix.matches("tick:EUR"))
        XCTAssertTrue(prefix.matches("tick:EURUSD"))
        XCTAssertFalse(prefix.matches("tick:EU"))
        XCTAssertFalse(prefix.matches("tick:eurusd"))
        XCTAssertFalse(prefix.matches("signal:EURUSD"))
    }

    func testRequestParsingKeepsEverythingLiteral() {
        XCTAssertEqual(ResolvedPattern(request: "order:{sub}")?.description, "order:{sub}")
        XCTAssertEqual(ResolvedPattern(request: "order:{sub}")?.isWildcard, false)
        XCTAssertEqual(ResolvedPattern(request: "tick:EUR*")?.prefix, "tick:EUR")
        XCTAssertNil(ResolvedPattern(request: "tick:*EUR"))
        XCTAssertNil(ResolvedPattern(request: "*"))
    }
}
