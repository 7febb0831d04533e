import StreamClient
import XCTest

final class SequenceTrackerTests: XCTestCase {
    func testDropsWhatWasAlreadyDelivered() {
        var tracker = SequenceTracker()
        XCTAssertEqual([1, 2, 3].map { tracker.accept(channel: "order:acct-1", seq: $0) }, [true, true, true])
        // Reconnect with since 3: a replay that overlaps, then live messages.
        tracker.connectionStarted(since: tracker.since(for: ["order:acct-1"]))
        XCTAssertEqual([2, 3, 4, 4, 5].map { tracker.accept(channel: "order:acct-1", seq: $0) }, [false, false, true, false, true])
        XCTAssertEqual(tracker.lastSeq, ["order:acct-1": 5])
    }

    func testSinceOnlyForExactChannelsThatDeliveredSomething() {
        var tracker = SequenceTracker()
        _ = tracker.accept(channel: "tick:EURUSD", seq: 7)
        _ = tracker.accept(channel: "order:acct-1", seq: 3)
        XCTAssertEqual(tracker.since(for: ["tick:*", "order:acct-1", "signal:EURUSD"]), ["order:acct-1": 3])
    }

    func testChannelsAreTrackedSeparately() {
        var tracker = SequenceTracker()
        XCTAssertTrue(tracker.accept(channel: "tick:EURUSD", seq: 10))
        XCTAssertTrue(tracker.accept(channel: "tick:GBPUSD", seq: 1))
        XCTAssertFalse(tracker.accept(channel: "tick:EURUSD", seq: 10))
    }

    func testATickSnapshotAfterReconnectIsNotRepeated() {
        var tracker = SequenceTracker()
        _ = tracker.accept(channel: "tick:EURUSD", seq: 42)
        tracker.connectionStarted(since: tracker.since(for: ["tick:*"]))
        XCTAssertFalse(tracker.accept(channel: "tick:EURUSD", seq: 42), "the snapshot is the tick already shown")
        XCTAssertTrue(tracker.accept(channel: "tick:EURUSD", seq: 43))
    }

    func testALowerFirstSeqOnANewConnectionMeansTheChannelStartedOver() {
        var tracker = SequenceTracker()
        _ = tracker.accept(channel: "tick:EURUSD", seq: 42)
        tracker.connectionStarted(since: [:])
        XCTAssertTrue(tracker.accept(channel: "tick:EURUSD", seq: 1), "a restarted server counts from 1 again")
        XCTAssertFalse(tracker.accept(channel: "tick:EURUSD", seq: 1))
        XCTAssertTrue(tracker.accept(channel: "tick:EURUSD", seq: 2))
    }

    func testRecoveryFailureBelowOurSeqRestartsTheChannel() {
        var tracker = SequenceTracker()
        _ = tracker.accept(channel: "signal:EURUSD", seq: 50)
        tracker.connectionStarted(since: tracker.since(for: ["signal:EURUSD"]))
        XCTAssertFalse(tracker.accept(channel: "signal:EURUSD", seq: 3), "while recovering, lower seqs are duplicates")
        tracker.recoveryFailed(RecoveryFailure(channel: "signal:EURUSD", reason: "history_unavailable", lastSeq: 0))
        XCTAssertTrue(tracker.accept(channel: "signal:EURUSD", seq: 1))
    }
}
