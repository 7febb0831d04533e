@testable import NetCore
import XCTest

/// The timer heap is driven by an explicit `now`, so these tests need no clock.
final class TimerQueueTests: XCTestCase {
    func testExpiredTimersComeOutInDeadlineOrder() {
        var queue = TimerQueue()
        var fired: [Int] = []
        for (deadline, tag) in [(30, 3), (10, 1), (20, 2), (40, 4)] {
            _ = queue.schedule(at: UInt64(deadline)) { fired.append(tag) }
        }
        while let callback = queue.popExpired(now: 35) { callback() }
        XCTAssertEqual(fired, [1, 2, 3])
        XCTAssertEqual(queue.count, 1)
    }

    func testCancelledTimerNeverFires() {
        var queue = TimerQueue()
        var fired = false
        let id = queue.schedule(at: 5) { fired = true }
        queue.cancel(id)
        XCTAssertNil(queue.popExpired(now: 100))
        XCTAssertFalse(fired)
    }

    func testTimeoutIsRoundedUpAndMinusOneWhenEmpty() {
        var queue = TimerQueue()
        XCTAssertEqual(queue.millisecondsUntilNext(now: 0), -1)
        _ = queue.schedule(at: 1_500_000) {}
        XCTAssertEqual(queue.millisecondsUntilNext(now: 0), 2)
        XCTAssertEqual(queue.millisecondsUntilNext(now: 1_500_000), 0)
    }

    func testCallbackMayScheduleAnotherTimer() {
        var queue = TimerQueue()
        var fired = 0
        _ = queue.schedule(at: 1) { fired += 1 }
        while let callback = queue.popExpired(now: 1) {
            callback()
            _ = queue.schedule(at: 50) { fired += 10 }
        }
        XCTAssertEqual(fired, 1)
        XCTAssertEqual(queue.count, 1)
    }
}
