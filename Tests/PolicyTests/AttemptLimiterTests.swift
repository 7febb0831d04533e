import XCTest
@testable import Policy

final class AttemptLimiterTests: XCTestCase {
    private let second: UInt64 = 1_000_000_000
    private let start: UInt64 = 1_000 * 1_000_000_000

    func testBurstThenRetryAfter() {
        var limiter = AttemptLimiter(attemptsPerMinute: 6)  // one every 10 s after a burst of 6
        for i in 0..<6 { XCTAssertEqual(limiter.attempt(address: "10.0.0.1", now: start).allowed, true, "attempt \(i)") }
        let refused = limiter.attempt(address: "10.0.0.1", now: start)
        XCTAssertFalse(refused.allowed)
        XCTAssertEqual(refused.retryAfterSeconds, 10)
        let later = limiter.attempt(address: "10.0.0.1", now: start + 3 * second + 1)
        XCTAssertFalse(later.allowed)
        XCTAssertEqual(later.retryAfterSeconds, 7, "rounded up")
        XCTAssertTrue(limiter.attempt(address: "10.0.0.1", now: start + 10 * second).allowed)
        XCTAssertFalse(limiter.attempt(address: "10.0.0.1", now: start + 10 * second).allowed)
        // Other addresses are independent.
        XCTAssertTrue(limiter.attempt(address: "10.0.0.2", now: start).allowed)
    }

    func testSlidingNotFixedWindow() {
        // A fixed window would allow 2N across a boundary; this allows N + refill.
        var limiter = AttemptLimiter(attemptsPerMinute: 60)
        var accepted = 0
        for t in 0..<120 where limiter.attempt(address: "a", now: start + UInt64(t) * second / 2).allowed { accepted += 1 }
        XCTAssertEqual(accepted, 60 + 59)  // the burst of 60, plus one per second refilled over the 59.5 s
        var fresh = AttemptLimiter(attemptsPerMinute: 60)
        var burst = 0
        for _ in 0..<200 where fresh.attempt(address: "a", now: start).allowed { burst += 1 }
        XCTAssertEqual(burst, 60)
    }

    func testPruneDropsOnlyRefilledAddresses() {
        var limiter = AttemptLimiter(attemptsPerMinute: 6)
        _ = limiter.attempt(address: "old", now: start)
        _ = limiter.attempt(address: "new", now: start + 55 * second)
        XCTAssertEqual(limiter.trackedAddresses, 2)
        limiter.prune(now: start + 60 * second)
        XCTAssertEqual(limiter.trackedAddresses, 1, "old refilled after 10 s and is forgotten")
        limiter.prune(now: start + 65 * second)
        XCTAssertEqual(limiter.trackedAddresses, 0)
    }

    func testTableCapRefusesNewAddresses() {
        var limiter = AttemptLimiter(attemptsPerMinute: 6, maxTrackedAddresses: 2)
        XCTAssertTrue(limiter.attempt(address: "a", now: start).allowed)
        XCTAssertTrue(limiter.attempt(address: "b", now: start).allowed)
        let third = limiter.attempt(address: "c", now: start)
        XCTAssertFalse(third.allowed)
        XCTAssertEqual(third.retryAfterSeconds, 10)
        XCTAssertTrue(limiter.attempt(address: "a", now: start).allowed, "known addresses are unaffected")
        XCTAssertTrue(limiter.attempt(address: "c", now: start + 20 * second).allowed, "a full table prunes before refusing")
        XCTAssertLessThanOrEqual(limiter.trackedAddresses, 2)
    }

    func testZeroMeansUnlimited() {
        var limiter = AttemptLimiter(attemptsPerMinute: 0)
        for _ in 0..<10_000 { XCTAssertTrue(limiter.attempt(address: "a", now: start).allowed) }
        XCTAssertEqual(limiter.trackedAddresses, 0)
    }
}
