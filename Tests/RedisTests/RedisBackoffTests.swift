@testable import Redis
import XCTest

final class RedisBackoffTests: XCTestCase {
    func testCeilingDoublesUpToTheCap() {
        let backoff = RedisBackoff(initial: 0.1, cap: 5)
        let ceilings = (0..<9).map { backoff.ceiling(forAttempt: $0) }
        for (got, want) in zip(ceilings, [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5, 5, 5]) { XCTAssertEqual(got, want, accuracy: 1e-9) }
    }

    func testDelayIsDrawnFromTheUpperHalfOfTheCeiling() {
        var backoff = RedisBackoff(initial: 0.1, cap: 5)
        XCTAssertEqual(backoff.nextDelay { 0 }, 0.05, accuracy: 1e-9)
        XCTAssertEqual(backoff.nextDelay { 0.999_999 }, 0.2, accuracy: 1e-6)
        XCTAssertEqual(backoff.attempt, 2)
        backoff.reset()
        XCTAssertEqual(backoff.nextDelay { 0.5 }, 0.075, accuracy: 1e-9)
    }
}
