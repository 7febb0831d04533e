@testable import StreamBench
import XCTest

final class PacingScheduleTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    func testMessageNIsDueAtStartPlusNOverRate() {
        let schedule = PacingSchedule(rate: 50, start: 1_000 * ms)
        XCTAssertEqual(schedule.dueCount(at: 999 * ms), 0, "nothing before the start")
        XCTAssertEqual(schedule.dueCount(at: 1_000 * ms), 1, "the first message goes at once")
        XCTAssertEqual(schedule.dueCount(at: 1_019 * ms), 1)
        XCTAssertEqual(schedule.dueCount(at: 1_020 * ms), 2)
        XCTAssertEqual(schedule.dueCount(at: 2_000 * ms), 51, "one second at 50/s: 50 intervals, 51 messages")
        XCTAssertEqual(schedule.dueTime(of: 0), 1_000 * ms)
        XCTAssertEqual(schedule.dueTime(of: 10), 1_200 * ms)
    }

    func testFractionalAndHighRates() {
        let slow = PacingSchedule(rate: 0.5, start: 0)
        XCTAssertEqual(slow.dueCount(at: 1_999 * ms), 1)
        XCTAssertEqual(slow.dueCount(at: 2_000 * ms), 2)
        let fast = PacingSchedule(rate: 100_000, start: 0)
        XCTAssertEqual(fast.dueCount(at: 1 * ms), 101)
        XCTAssertEqual(fast.dueTime(of: 3), 30_000)
    }

    func testALateWakeUpCatchesUpInBoundedBursts() {
        XCTAssertEqual(PacingSchedule.batch(due: 10, sent: 4, maxBurst: 100), 6)
        XCTAssertEqual(PacingSchedule.batch(due: 1_000, sent: 0, maxBurst: 100), 100)
        XCTAssertEqual(PacingSchedule.batch(due: 3, sent: 5, maxBurst: 100), 0, "never negative after a rate change")
    }

    func testOfferedRateMatchesTheScheduleOverASimulatedRun() {
        // A publisher woken every 7 ms (coarse timer) still sends exactly what is due.
        let schedule = PacingSchedule(rate: 333, start: 0)
        var sent = 0
        var now: UInt64 = 0
        while now <= 3_000 * ms {
            sent += PacingSchedule.batch(due: schedule.dueCount(at: now), sent: sent, maxBurst: 33)
            now += 7 * ms
        }
        XCTAssertEqual(sent, schedule.dueCount(at: now - 7 * ms))
        XCTAssertEqual(sent, 998, "last wake-up at 2.996 s: floor(2.996 × 333) + 1")
    }
}
