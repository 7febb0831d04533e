import StreamClient
import XCTest

final class BackoffTests: XCTestCase {
    func testCeilingsDoubleFromHalfASecondUpToTheCap() {
        let backoff = Backoff()
        XCTAssertEqual((0..<9).map { backoff.ceiling(forAttempt: $0) }, [0.5, 1, 2, 4, 8, 16, 30, 30, 30])
    }

    func testWithoutJitterEachDelayIsTheCeilingAndGrows() {
        var backoff = Backoff(policy: BackoffPolicy(initial: 0.1, factor: 3, cap: 2, jitter: false))
        let delays = (0..<5).map { _ in backoff.nextDelay() }
        XCTAssertEqual(delays.map { ($0 * 1000).rounded() / 1000 }, [0.1, 0.3, 0.9, 2, 2])
    }

    func testFullJitterDrawsBetweenZeroAndTheCeiling() {
        var backoff = Backoff()
        XCTAssertEqual(backoff.nextDelay(unit: { 0 }), 0)
        XCTAssertEqual(backoff.nextDelay(unit: { 0.5 }), 0.5)   // half of 1 s
        XCTAssertEqual(backoff.nextDelay(unit: { 0.25 }), 0.5)  // a quarter of 2 s
        for _ in 0..<100 {
            let delay = backoff.nextDelay()
            XCTAssertGreaterThanOrEqual(delay, 0)
            XCTAssertLessThanOrEqual(delay, 30)
        }
    }

    func testAStableConnectionStartsTheScheduleOver() {
        var backoff = Backoff(policy: BackoffPolicy(jitter: false))
        _ = backoff.nextDelay()
        _ = backoff.nextDelay()
        backoff.connectionEnded(afterStableSeconds: 29.9)
        XCTAssertEqual(backoff.nextDelay(), 2)
        backoff.connectionEnded(afterStableSeconds: 30)
        XCTAssertEqual(backoff.nextDelay(), 0.5)
    }
}
