import XCTest
@testable import Policy

/// `covers(a, b)`: every channel b could match, a matches too.
final class CoversTests: XCTestCase {
    private func p(_ text: String) -> ResolvedPattern {
        guard let pattern = ResolvedPattern(request: text) else { fatalError("bad test pattern \(text)") }
        return pattern
    }

    func testCoversTable() {
        let table: [(String, String, Bool)] = [
            ("tick:*", "tick:*", true),
            ("tick:*", "tick:EUR*", true),
            ("tick:*", "tick:EURUSD", true),
            ("tick:EUR*", "tick:EURUSD", true),
            ("tick:EUR*", "tick:EUR", true),
            ("tick:EUR*", "tick:EUR*", true),
            ("tick:EUR*", "tick:EURU*", true),
            ("tick:EUR*", "tick:*", false),
            ("tick:EUR*", "tick:EU*", false),
            ("tick:EUR*", "tick:GBPUSD", false),
            ("tick:EURUSD", "tick:EURUSD", true),
            ("tick:EURUSD", "tick:EURUSD*", false),
            ("tick:EURUSD", "tick:EUR*", false),
            ("tick:EURUSD", "tick:*", false),
            ("order:acct-1", "order:*", false),
            ("order:acct-1", "order:acct-1*", false),
            ("order:acct-1", "order:acct-10", false),
            ("order:acct-1", "order:ACCT-1", false),
            ("tick:*", "signal:EURUSD", false),
            ("tick:*", "signal:*", false),
            ("order:*", "order:acct-1", true),
        ]
        for (a, b, expected) in table {
            XCTAssertEqual(p(a).covers(p(b)), expected, "\(a) covers \(b)")
        }
    }

    func testCoversAgreesWithMatches() {
        // For exact b, covers is matches; for every pattern, a covering
        // pattern matches every sample channel the covered one matches.
        let patterns = ["tick:*", "tick:E*", "tick:EUR*", "tick:EURUSD", "tick:EURUSD*", "tick:GBP*", "signal:*"].map(p)
        let channels = ["tick:E", "tick:EUR", "tick:EURUSD", "tick:EURUSDX", "tick:GBPUSD", "signal:EURUSD"]
        for a in patterns {
            for channel in channels {
                XCTAssertEqual(a.covers(p(channel)), a.matches(channel), "\(a) / \(channel)")
            }
            for b in patterns where a.covers(b) {
                for channel in channels where b.matches(channel) {
                    XCTAssertTrue(a.matches(channel), "\(a) covers \(b) but misses \(channel)")
                }
            }
        }
    }

    func testIntersectionIsNestedOrEmpty() {
        XCTAssertEqual(p("tick:*").intersection(p("tick:EUR*")), p("tick:EUR*"))
        XCTAssertEqual(p("tick:EUR*").intersection(p("tick:*")), p("tick:EUR*"))
        XCTAssertEqual(p("tick:EUR*").intersection(p("tick:EURUSD")), p("tick:EURUSD"))
        XCTAssertNil(p("tick:EUR*").intersection(p("tick:GBP*")))
        XCTAssertNil(p("order:acct-1").intersection(p("order:acct-2")))
    }
}
