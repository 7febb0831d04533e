import StreamClient
import XCTest

/// The `since` of a (re)subscribe, as wire format 1.1 pins it.
final class SinceTests: XCTestCase {
    func testExactChannelsAndPatternsInTheWireForm() {
        var tracker = SequenceTracker()
        _ = tracker.accept(channel: "order:acct-1", seq: 41, epoch: "k3j9x2m4q8ab", timestamp: "2026-12-06T20:59:58.000Z")
        _ = tracker.accept(channel: "signal:EURUSD", seq: 5, epoch: "e2", timestamp: "2026-12-06T21:00:00.123Z")
        let channels = ["order:acct-1", "signal:*"]
        XCTAssertEqual(
            SubscribeRequest.json(id: "sub-1", channels: channels, since: tracker.since(for: channels)),
            #"{"channels":["order:acct-1","signal:*"],"id":"sub-1","#
                + #""since":{"order:acct-1":{"epoch":"k3j9x2m4q8ab","seq":41},"#
                + #""signal:*":{"after":"2026-12-06T21:00:00.123Z","seqs":{"signal:EURUSD":{"epoch":"e2","seq":5}}}},"#
                + #""type":"subscribe"}"#)
    }

    func testNoSinceBeforeAnythingWasDelivered() {
        let tracker = SequenceTracker()
        XCTAssertEqual(tracker.since(for: ["order:acct-1", "signal:*"]), [:])
        XCTAssertEqual(SubscribeRequest.json(id: "sub-1", channels: ["signal:*"], since: [:]),
                       #"{"channels":["signal:*"],"id":"sub-1","type":"subscribe"}"#)
    }

    /// A pattern key needs a message that matches it; other patterns' and
    /// exact channels' messages do not count.
    func testAPatternKeyOnlyOnceAMatchingMessageWasDelivered() {
        var tracker = SequenceTracker()
        _ = tracker.accept(channel: "order:acct-1", seq: 1, epoch: "e1", timestamp: "2026-12-06T21:00:00.000Z")
        _ = tracker.accept(channel: "tick:EURUSD", seq: 9, epoch: "e1", timestamp: "2026-12-06T21:00:01.000Z")
        let since = tracker.since(for: ["order:acct-1", "signal:*", "tick:EUR*", "tick:GBP*"])
        XCTAssertEqual(since, [
            "order:acct-1": .position(StreamPosition(epoch: "e1", seq: 1)),
            "tick:EUR*": .pattern(after: "2026-12-06T21:00:01.000Z", seqs: ["tick:EURUSD": StreamPosition(epoch: "e1", seq: 9)]),
        ])
    }

    /// `after` is the timestamp of the last message delivered on a matching
    /// channel (kept verbatim), which after a replay need not be the latest;
    /// `seqs` lists every matching channel.
    func testAfterIsTheLastDeliveredAndSeqsListEveryMatchingChannel() {
        var tracker = SequenceTracker()
        _ = tracker.accept(channel: "signal:EURUSD", seq: 7, epoch: "e1", timestamp: "2026-12-06T21:00:09.000Z")
        _ = tracker.accept(channel: "signal:GBPUSD", seq: 3, epoch: "e4", timestamp: "2026-12-06T21:00:05.5+00:00")
        _ = tracker.accept(channel: "signal:EURUSD", seq: 7, epoch: "e1", timestamp: "2026-12-06T21:00:30.000Z")  // a duplicate
        XCTAssertEqual(tracker.since(for: ["signal:*"]), [
            "signal:*": .pattern(after: "2026-12-06T21:00:05.5+00:00", seqs: [
                "signal:EURUSD": StreamPosition(epoch: "e1", seq: 7),
                "signal:GBPUSD": StreamPosition(epoch: "e4", seq: 3),
            ]),
        ])
    }

    func testAChannelUnderBothAnExactAndAPatternSubscription() {
        var tracker = SequenceTracker()
        _ = tracker.accept(channel: "signal:EURUSD", seq: 2, epoch: "e1", timestamp: "2026-12-06T21:00:00.000Z")
        let position = StreamPosition(epoch: "e1", seq: 2)
        XCTAssertEqual(tracker.since(for: ["signal:EURUSD", "signal:*"]), [
            "signal:EURUSD": .position(position),
            "signal:*": .pattern(after: "2026-12-06T21:00:00.000Z", seqs: ["signal:EURUSD": position]),
        ])
    }

    /// A server without epochs (wire 1.0) refuses `since` on patterns and
    /// knows only integers.
    func testWithoutEpochsOnlyIntegersOnExactChannels() {
        var tracker = SequenceTracker()
        _ = tracker.accept(channel: "order:acct-1", seq: 3, epoch: nil, timestamp: "2026-12-06T21:00:00.000Z")
        _ = tracker.accept(channel: "signal:EURUSD", seq: 8, epoch: nil, timestamp: "2026-12-06T21:00:00.000Z")
        let since = tracker.since(for: ["order:acct-1", "signal:*"])
        XCTAssertEqual(since, ["order:acct-1": .seq(3)])
        XCTAssertEqual(SubscribeRequest.json(id: "sub-2", channels: ["order:acct-1"], since: since),
                       #"{"channels":["order:acct-1"],"id":"sub-2","since":{"order:acct-1":3},"type":"subscribe"}"#)
    }

    func testPositionsSurviveReconnects() {
        var tracker = SequenceTracker()
        _ = tracker.accept(channel: "signal:EURUSD", seq: 5, epoch: "e1", timestamp: "2026-12-06T21:00:00.000Z")
        for _ in 0..<3 { tracker.connectionStarted(since: tracker.since(for: ["signal:*"])) }
        XCTAssertEqual(tracker.since(for: ["signal:*"]),
                       ["signal:*": .pattern(after: "2026-12-06T21:00:00.000Z", seqs: ["signal:EURUSD": StreamPosition(epoch: "e1", seq: 5)])])
        // A replay under the pattern overlaps what was delivered: dropped.
        XCTAssertEqual(tracker.accept(channel: "signal:EURUSD", seq: 5, epoch: "e1", timestamp: nil), .duplicate)
        // A channel born while away: delivered from its first message.
        XCTAssertEqual(tracker.accept(channel: "signal:NZDUSD", seq: 1, epoch: "e9", timestamp: "2026-12-06T21:05:00.000Z"), .deliver)
    }
}
