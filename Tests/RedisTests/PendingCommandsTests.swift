@testable import Redis
import XCTest

final class PendingCommandsTests: XCTestCase {
    func testFirstInFirstOutAcrossCompaction() {
        var queue = PendingCommands()
        var answered: [Int] = []
        let box = Answers()
        for index in 0..<10_000 {
            queue.append(PendingCommand(waiter: .reply { _ in box.values.append(index) }, queuedAt: UInt64(index)))
            // Interleave pops so the head moves and compaction runs mid-stream.
            if index % 3 == 2, let entry = queue.popFirst() { entry.fail(.notConnected) }
        }
        while let entry = queue.popFirst() { entry.fail(.notConnected) }
        answered = box.values
        XCTAssertEqual(answered, Array(0..<10_000))
        XCTAssertTrue(queue.isEmpty)
        XCTAssertNil(queue.first)
    }

    func testTakeAllEmptiesOldestFirst() {
        var queue = PendingCommands()
        for index in 0..<5 { queue.append(PendingCommand(waiter: .reply { _ in }, queuedAt: UInt64(index))) }
        _ = queue.popFirst()
        XCTAssertEqual(queue.takeAll().map(\.queuedAt), [1, 2, 3, 4])
        XCTAssertEqual(queue.count, 0)
    }

    private final class Answers { var values: [Int] = [] }
}
