import XCTest
@testable import Policy

final class TokenBucketTests: XCTestCase {
    private let ms: UInt64 = 1_000_000
    private let start: UInt64 = 5_000_000_000

    func testBurstThenRefill() {
        var bucket = TokenBucket(rate: RateLimit(messagesPerSecond: 20, burst: 40), now: start)
        for i in 0..<40 { XCTAssertTrue(bucket.take(now: start), "message \(i)") }
        XCTAssertFalse(bucket.take(now: start))
        XCTAssertFalse(bucket.take(now: start + 49 * ms))
        XCTAssertTrue(bucket.take(now: start + 50 * ms), "one token per 50 ms")
        XCTAssertFalse(bucket.take(now: start + 50 * ms))
        XCTAssertTrue(bucket.take(now: start + 100 * ms))
        // A long quiet period refills to the burst, not beyond.
        let later = start + 60_000 * ms
        for _ in 0..<40 { XCTAssertTrue(bucket.take(now: later)) }
        XCTAssertFalse(bucket.take(now: later))
    }

    func testSustainedRateIsExact() {
        var bucket = TokenBucket(rate: RateLimit(messagesPerSecond: 20, burst: 1), now: start)
        var accepted = 0
        // One attempt every ms for 10 s: exactly 1 + 10 s * 20/s.
        for t in 0...10_000 where bucket.take(now: start + UInt64(t) * ms) { accepted += 1 }
        XCTAssertEqual(accepted, 201)
    }

    func testFractionalRate() {
        var bucket = TokenBucket(rate: RateLimit(messagesPerSecond: 0.5, burst: 1), now: start)
        XCTAssertTrue(bucket.take(now: start))
        XCTAssertFalse(bucket.take(now: start + 1_999 * ms))
        XCTAssertTrue(bucket.take(now: start + 2_000 * ms))
    }

    func testClockGoingBackwardsGrantsNothing() {
        var bucket = TokenBucket(rate: RateLimit(messagesPerSecond: 1, burst: 1), now: start)
        XCTAssertTrue(bucket.take(now: start))
        XCTAssertFalse(bucket.take(now: start - 4_000 * ms))
        XCTAssertFalse(bucket.take(now: start + 999 * ms))
        XCTAssertTrue(bucket.take(now: start + 1_000 * ms))
    }

    func testUpdateKeepsSpentTokens() {
        var bucket = TokenBucket(rate: RateLimit(messagesPerSecond: 10, burst: 10), now: start)
        for _ in 0..<4 { XCTAssertTrue(bucket.take(now: start)) }
        // 4 of 10 spent; the new bucket holds 20, so 16 remain.
        bucket.update(rate: RateLimit(messagesPerSecond: 100, burst: 20), now: start)
        for i in 0..<16 { XCTAssertTrue(bucket.take(now: start), "token \(i)") }
        XCTAssertFalse(bucket.take(now: start))
        XCTAssertTrue(bucket.take(now: start + 10 * ms), "new rate: one per 10 ms")

        // Shrinking below what was spent leaves the bucket empty, refilling at the new rate.
        bucket.update(rate: RateLimit(messagesPerSecond: 1, burst: 2), now: start + 10 * ms)
        XCTAssertFalse(bucket.take(now: start + 10 * ms))
        XCTAssertFalse(bucket.take(now: start + 1_009 * ms))
        XCTAssertTrue(bucket.take(now: start + 1_010 * ms))
    }

    func testUpdateOnFullBucketGivesNewBurst() {
        var bucket = TokenBucket(rate: RateLimit(messagesPerSecond: 1, burst: 2), now: start)
        bucket.update(rate: RateLimit(messagesPerSecond: 1, burst: 5), now: start)
        for _ in 0..<5 { XCTAssertTrue(bucket.take(now: start)) }
        XCTAssertFalse(bucket.take(now: start))
    }

    func testDegenerateRatesDoNotTrap() {
        var zero = TokenBucket(rate: RateLimit(messagesPerSecond: 0, burst: 3), now: start)
        XCTAssertTrue(zero.take(now: start))
        var noBurst = TokenBucket(rate: RateLimit(messagesPerSecond: 100, burst: 0), now: start)
        XCTAssertFalse(noBurst.take(now: start))
        var nan = TokenBucket(rate: RateLimit(messagesPerSecond: .nan, burst: 1), now: start)
        XCTAssertTrue(nan.take(now: start))
        XCTAssertFalse(nan.take(now: start + 86_400_000 * ms), "treated as the slowest rate, about one per 11.6 days")
        var late = TokenBucket(rate: RateLimit(messagesPerSecond: 1, burst: 2), now: .max - 1)
        XCTAssertTrue(late.take(now: .max - 1), "saturates instead of overflowing")
        var huge = TokenBucket(rate: RateLimit(messagesPerSecond: 1e12, burst: .max), now: 0)
        XCTAssertTrue(huge.take(now: 0))
    }
}
