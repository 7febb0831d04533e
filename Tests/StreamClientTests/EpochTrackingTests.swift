import StreamClient
import XCTest

/// Positions are (epoch, seq): a seq is only "already seen" within its epoch.
final class EpochTrackingTests: XCTestCase {
    private let channel = "signal:EURUSD"

    private func accept(_ tracker: inout SequenceTracker, _ seq: UInt64, _ epoch: String, at time: String = "2026-12-06T21:00:00.000Z")
        -> SequenceTracker.Acceptance {
        tracker.accept(channel: channel, seq: seq, epoch: epoch, timestamp: time)
    }

    func testDuplicatesWithinAnEpochAreDropped() {
        var tracker = SequenceTracker()
        XCTAssertEqual([1, 2, 3].map { accept(&tracker, $0, "e1") }, [.deliver, .deliver, .deliver])
        tracker.connectionStarted(since: tracker.since(for: [channel]))
        XCTAssertEqual([2, 3, 3, 4].map { accept(&tracker, $0, "e1") }, [.duplicate, .duplicate, .duplicate, .deliver])
        XCTAssertEqual(tracker.positions, [channel: StreamPosition(epoch: "e1", seq: 4)])
    }

    /// Issue 11, scenario 1: five signals, a restart, seven more. The new
    /// run's 1...5 are not the old run's 1...5.
    func testANewEpochIsDeliveredNotDroppedAsSeen() {
        var tracker = SequenceTracker()
        for seq: UInt64 in 1...5 { XCTAssertEqual(accept(&tracker, seq, "e1"), .deliver) }
        tracker.connectionStarted(since: tracker.since(for: [channel]))
        let change = EpochChange(channel: channel, source: .message, previous: StreamPosition(epoch: "e1", seq: 5), epoch: "e2",
                                 lastSeq: nil, replayFrom: 1)
        XCTAssertEqual(accept(&tracker, 1, "e2"), .deliverInNewEpoch(change), "reported once, with the old and new position")
        XCTAssertEqual((2...7).map { accept(&tracker, $0, "e2") }, Array(repeating: .deliver, count: 6))
        XCTAssertEqual(accept(&tracker, 7, "e2"), .duplicate)
        XCTAssertEqual(tracker.positions[channel], StreamPosition(epoch: "e2", seq: 7))
    }

    func testANewEpochWithAHigherSeqIsStillAChange() {
        var tracker = SequenceTracker()
        _ = accept(&tracker, 3, "e1")
        guard case .deliverInNewEpoch(let change) = accept(&tracker, 9, "e2") else { return XCTFail("not reported") }
        XCTAssertEqual(change.previous, StreamPosition(epoch: "e1", seq: 3))
        XCTAssertEqual(change.replayFrom, 9)
    }

    func testEpochChangedNoticeMovesThePositionBeforeReplayFrom() {
        var tracker = SequenceTracker()
        for seq: UInt64 in 1...41 { _ = accept(&tracker, seq, "e1") }
        tracker.connectionStarted(since: tracker.since(for: [channel]))
        let notice = RecoveryFailure(channel: channel, reason: "epoch_changed", since: 41, sinceEpoch: "e1", epoch: "e2",
                                     lastSeq: 12, replayFrom: 1)
        XCTAssertEqual(tracker.recoveryFailed(notice),
                       EpochChange(channel: channel, source: .recoveryFailed, previous: StreamPosition(epoch: "e1", seq: 41),
                                   epoch: "e2", lastSeq: 12, replayFrom: 1))
        XCTAssertEqual(tracker.positions[channel], StreamPosition(epoch: "e2", seq: 0))
        // The replay of the new epoch: delivered as plain messages, the change already told.
        XCTAssertEqual((1...12).map { accept(&tracker, $0, "e2") }, Array(repeating: .deliver, count: 12))
        XCTAssertEqual(accept(&tracker, 12, "e2"), .duplicate)
    }

    func testEpochChangedWithNothingReplayedContinuesAfterLastSeq() {
        var tracker = SequenceTracker()
        _ = accept(&tracker, 41, "e1")
        tracker.recoveryFailed(RecoveryFailure(channel: channel, reason: "epoch_changed", since: 41, sinceEpoch: "e1", epoch: "e2",
                                               lastSeq: 900, replayFrom: nil))
        XCTAssertEqual(tracker.positions[channel], StreamPosition(epoch: "e2", seq: 900))
        XCTAssertEqual(accept(&tracker, 900, "e2"), .duplicate)
        XCTAssertEqual(accept(&tracker, 901, "e2"), .deliver)
    }

    /// The channel holds nothing in its new numbering: the next reconnect asks
    /// for all of whatever epoch is current then.
    func testEpochChangedOnAnEmptyChannelAsksForEverythingNext() {
        var tracker = SequenceTracker()
        _ = accept(&tracker, 41, "e1")
        let change = tracker.recoveryFailed(RecoveryFailure(channel: channel, reason: "epoch_changed", since: 41, sinceEpoch: "e1"))
        XCTAssertEqual(change?.epoch, nil)
        XCTAssertEqual(tracker.since(for: [channel]), [channel: .seq(0)])
        XCTAssertEqual(accept(&tracker, 1, "e3"), .deliver, "the first message of the new epoch, with no second report")
        XCTAssertEqual(tracker.since(for: [channel]), [channel: .position(StreamPosition(epoch: "e3", seq: 1))])
    }

    /// A message of the new epoch came first (a notice lost to a race):
    /// the later notice neither reports again nor rewinds.
    func testANoticeAfterTheChangeWasSeenChangesNothing() {
        var tracker = SequenceTracker()
        _ = accept(&tracker, 5, "e1")
        _ = accept(&tracker, 1, "e2")
        _ = accept(&tracker, 2, "e2")
        XCTAssertNil(tracker.recoveryFailed(RecoveryFailure(channel: channel, reason: "epoch_changed", epoch: "e2", lastSeq: 2, replayFrom: 1)))
        XCTAssertEqual(accept(&tracker, 1, "e2"), .duplicate)
        XCTAssertEqual(accept(&tracker, 3, "e2"), .deliver)
    }

    /// history_unavailable and gap in the same epoch: nothing to reset; what
    /// follows has higher seqs.
    func testOtherFailuresKeepThePosition() {
        var tracker = SequenceTracker()
        _ = accept(&tracker, 5, "e1")
        XCTAssertNil(tracker.recoveryFailed(RecoveryFailure(channel: channel, reason: "history_unavailable", since: 5, sinceEpoch: "e1",
                                                            epoch: "e1", lastSeq: 5000, replayFrom: 4001)))
        XCTAssertNil(tracker.recoveryFailed(RecoveryFailure(channel: channel, reason: "gap", since: 5, epoch: "e1", lastSeq: 9)))
        XCTAssertEqual(tracker.positions[channel], StreamPosition(epoch: "e1", seq: 5))
        XCTAssertEqual(accept(&tracker, 4001, "e1"), .deliver)
    }

    func testATickSnapshotInTheSameEpochIsNotRepeated() {
        var tracker = SequenceTracker()
        XCTAssertEqual(tracker.accept(channel: "tick:EURUSD", seq: 42, epoch: "e1", timestamp: nil), .deliver)
        tracker.connectionStarted(since: [:])
        XCTAssertEqual(tracker.accept(channel: "tick:EURUSD", seq: 42, epoch: "e1", timestamp: nil), .duplicate)
        XCTAssertEqual(tracker.accept(channel: "tick:EURUSD", seq: 40, epoch: "e1", timestamp: nil), .duplicate,
                       "with epochs, a lower seq in the same epoch is never a restart")
    }
}
