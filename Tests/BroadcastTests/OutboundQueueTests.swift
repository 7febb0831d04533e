import Broadcast
import XCTest

/// A message whose frame is `size` bytes, all equal to `tag`, so drained
/// bytes show which message went out where.
func testMessage(_ channel: String, _ tag: UInt8, size: Int = 10, seq: UInt64 = 1) -> StreamMessage {
    StreamMessage(channel: channel, type: "t", seq: seq, epoch: "e1", timeMilliseconds: 0, frame: [UInt8](repeating: tag, count: size))
}

final class OutboundQueueTests: XCTestCase {
    private func drainAll(_ queue: inout OutboundQueue) -> [UInt8] {
        var buffer: [UInt8] = []
        queue.drain(into: &buffer, maxBytes: .max)
        return buffer
    }

    /// The tags of drained frames, one per frame (all frames here are `size` long).
    private func tags(_ bytes: [UInt8], size: Int = 10) -> [UInt8] {
        stride(from: 0, to: bytes.count, by: size).map { bytes[$0] }
    }

    func testFramesLeaveInFIFOOrder() {
        var queue = OutboundQueue(limitBytes: 1000)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 1), policy: .reliable), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("idea:X", 2), policy: .dropNewest), .queued)
        queue.enqueueControl([UInt8](repeating: 3, count: 10))
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 4), policy: .conflate), .queued)
        XCTAssertEqual(queue.count, 4)
        XCTAssertEqual(queue.byteCount, 40)
        XCTAssertEqual(tags(drainAll(&queue)), [1, 2, 3, 4])
        XCTAssertTrue(queue.isEmpty)
        XCTAssertEqual(queue.byteCount, 0)
    }

    func testConflationReplacesInPlace() {
        var queue = OutboundQueue(limitBytes: 1000)
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 1), policy: .conflate), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 2), policy: .reliable), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("tick:B", 3), policy: .conflate), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 4), policy: .conflate), .conflated)
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 5), policy: .conflate), .conflated)
        XCTAssertEqual(queue.count, 3)
        XCTAssertEqual(queue.conflatedCount, 2)
        XCTAssertEqual(tags(drainAll(&queue)), [5, 2, 3], "newest tick of A at A's original position")
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 6), policy: .conflate), .queued, "nothing of A queued any more")
    }

    func testConflationHappensEvenWhenTheQueueIsFull() {
        var queue = OutboundQueue(limitBytes: 20)
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 1), policy: .conflate), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 2), policy: .reliable), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 3), policy: .conflate), .conflated)
        XCTAssertEqual(tags(drainAll(&queue)), [3, 2])
    }

    func testReliableAndDropNewestNeverConflate() {
        var queue = OutboundQueue(limitBytes: 1000)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 1), policy: .reliable), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 2), policy: .reliable), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("idea:X", 3), policy: .dropNewest), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("idea:X", 4), policy: .dropNewest), .queued)
        XCTAssertEqual(tags(drainAll(&queue)), [1, 2, 3, 4])
    }

    func testExactlyAtTheLimitQueues() {
        for policy in [DeliveryPolicy.conflate, .reliable, .dropNewest] {
            var queue = OutboundQueue(limitBytes: 100)
            XCTAssertEqual(queue.enqueue(testMessage("order:a", 1, size: 60), policy: .reliable), .queued)
            XCTAssertEqual(queue.enqueue(testMessage("tick:B", 2, size: 40), policy: policy), .queued, "\(policy)")
            XCTAssertEqual(queue.streamBytes, 100)
        }
    }

    func testOneByteOverTheLimitReliableOverflows() {
        var queue = OutboundQueue(limitBytes: 100)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 1, size: 60), policy: .reliable), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 2, size: 41), policy: .reliable), .overflow)
        XCTAssertEqual(queue.count, 1, "an overflowing message is not queued")
        XCTAssertEqual(queue.droppedCount, 0, "overflow closes the connection; it is not a drop")
    }

    func testOneByteOverTheLimitDropNewestDrops() {
        var queue = OutboundQueue(limitBytes: 100)
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 1, size: 60), policy: .conflate), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("idea:X", 2, size: 41), policy: .dropNewest), .dropped)
        XCTAssertEqual(queue.droppedCount, 1)
        XCTAssertEqual(queue.count, 1, "dropNewest never makes room by dropping others")
    }

    func testOneByteOverTheLimitConflateDropsTheOldestConflatable() {
        var queue = OutboundQueue(limitBytes: 100)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 1, size: 10), policy: .reliable), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 2, size: 40), policy: .conflate), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("tick:B", 3, size: 40), policy: .conflate), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("tick:C", 4, size: 11), policy: .conflate), .queued)
        XCTAssertEqual(queue.droppedCount, 1)
        XCTAssertEqual(queue.count, 3)
        XCTAssertEqual(queue.streamBytes, 61)
        var out: [UInt8] = []
        queue.drain(into: &out, maxBytes: .max)
        XCTAssertEqual(out, [UInt8](repeating: 1, count: 10) + [UInt8](repeating: 3, count: 40) + [UInt8](repeating: 4, count: 11))
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 5, size: 10), policy: .conflate), .queued,
                       "the dropped tick of A no longer counts as queued")
    }

    func testConflateDropsSeveralOldTicksWhenOneIsNotEnough() {
        var queue = OutboundQueue(limitBytes: 30)
        for (index, channel) in ["tick:A", "tick:B", "tick:C"].enumerated() {
            XCTAssertEqual(queue.enqueue(testMessage(channel, UInt8(index), size: 10), policy: .conflate), .queued)
        }
        XCTAssertEqual(queue.enqueue(testMessage("tick:D", 9, size: 25), policy: .conflate), .queued)
        XCTAssertEqual(queue.droppedCount, 3)
        XCTAssertEqual(drainAll(&queue), [UInt8](repeating: 9, count: 25))
    }

    func testConflateDropsTheNewTickWhenOnlyReliableMessagesFill() {
        var queue = OutboundQueue(limitBytes: 100)
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 1, size: 20), policy: .conflate), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 2, size: 70), policy: .reliable), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("tick:B", 3, size: 31), policy: .conflate), .dropped,
                       "dropping tick A would not make room, so A stays and B goes")
        XCTAssertEqual(queue.droppedCount, 1)
        XCTAssertEqual(queue.count, 2)
    }

    func testDroppingStreamMessagesKeepsControlFramesInOrder() {
        var queue = OutboundQueue(limitBytes: 1000)
        _ = queue.enqueue(testMessage("order:a", 1), policy: .reliable)
        queue.enqueueControl([UInt8](repeating: 2, count: 10))
        _ = queue.enqueue(testMessage("tick:A", 3), policy: .conflate)
        queue.enqueueControl([UInt8](repeating: 4, count: 10))
        XCTAssertEqual(queue.dropStreamMessages(), 2)
        XCTAssertEqual(queue.count, 2)
        XCTAssertEqual(queue.streamBytes, 0)
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 5), policy: .conflate), .queued, "conflation bookkeeping starts afresh")
        XCTAssertEqual(tags(drainAll(&queue)), [2, 4, 5])
        XCTAssertTrue(queue.isEmpty)
    }

    func testControlFramesAlwaysQueueAndDoNotCountAgainstTheLimit() {
        var queue = OutboundQueue(limitBytes: 20)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 1, size: 20), policy: .reliable), .queued)
        queue.enqueueControl([UInt8](repeating: 2, count: 10))
        queue.enqueueControl([UInt8](repeating: 3, count: 10))
        XCTAssertEqual(queue.count, 3)
        XCTAssertEqual(queue.byteCount, 40)
        XCTAssertEqual(queue.streamBytes, 20)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 4, size: 1), policy: .reliable), .overflow)
        var out: [UInt8] = []
        queue.drain(into: &out, maxBytes: .max)
        XCTAssertEqual(out.count, 40)
        XCTAssertEqual(tags(Array(out[20...])), [2, 3])
    }

    func testDrainRespectsMaxBytesButTakesAtLeastOneFrame() {
        var queue = OutboundQueue(limitBytes: 1000)
        for tag in UInt8(1)...4 { _ = queue.enqueue(testMessage("order:a", tag, size: 30), policy: .reliable) }
        var out: [UInt8] = [0xEE]
        XCTAssertEqual(queue.drain(into: &out, maxBytes: 65), 2)
        XCTAssertEqual(out.count, 61, "appends to what the buffer already holds")
        XCTAssertEqual(queue.drain(into: &out, maxBytes: 10), 1, "a frame larger than maxBytes still goes alone")
        XCTAssertEqual(queue.drain(into: &out, maxBytes: 30), 1, "exactly maxBytes fits")
        XCTAssertEqual(queue.drain(into: &out, maxBytes: 30), 0)
        XCTAssertEqual(tags(Array(out.dropFirst()), size: 30), [1, 2, 3, 4])
    }

    func testReleaseMemoryLeavesNoCapacity() {
        var queue = OutboundQueue(limitBytes: 1000)
        XCTAssertEqual(queue.reservedCapacity, 0, "a new queue owns no storage")
        for index in 0..<50 { _ = queue.enqueue(testMessage("tick:\(index)", 1), policy: .conflate) }
        queue.enqueueControl([1, 2, 3])
        XCTAssertGreaterThan(queue.reservedCapacity, 0)
        queue.releaseMemory()
        XCTAssertGreaterThan(queue.reservedCapacity, 0, "not released while frames are queued")
        _ = drainAll(&queue)
        queue.releaseMemory()
        XCTAssertEqual(queue.reservedCapacity, 0)
        XCTAssertEqual(queue.enqueue(testMessage("tick:1", 7), policy: .conflate), .queued, "usable after release")
        XCTAssertEqual(tags(drainAll(&queue)), [7])
    }

    func testTheDroppedSlotInTheMiddleIsSkipped() {
        var queue = OutboundQueue(limitBytes: 30)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 1), policy: .reliable), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("tick:A", 2), policy: .conflate), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("order:a", 3), policy: .reliable), .queued)
        XCTAssertEqual(queue.enqueue(testMessage("tick:B", 4), policy: .conflate), .queued)
        XCTAssertEqual(queue.count, 3)
        var out: [UInt8] = []
        XCTAssertEqual(queue.drain(into: &out, maxBytes: 20), 2, "the dropped tick is neither sent nor counted")
        XCTAssertEqual(tags(out), [1, 3])
        XCTAssertEqual(tags(drainAll(&queue)), [4])
    }
}
