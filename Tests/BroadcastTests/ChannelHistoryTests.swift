import Broadcast
import XCTest

final class ChannelHistoryTests: XCTestCase {
    private func message(_ seq: UInt64, expiresAt: Int64? = nil, channel: String = "order:acct-1") -> StreamMessage {
        StreamMessage(channel: channel, type: "order_update", seq: seq, epoch: "e1", timeMilliseconds: 0, frame: Array("m\(seq)".utf8),
                      expiresAtMilliseconds: expiresAt)
    }

    /// A history holding seqs 1...last, one per second from t = 1000 ms.
    private func history(upTo last: UInt64, depth: Int = 100, maxAge: Int64 = 3_600_000) -> ChannelHistory {
        var history = ChannelHistory(depth: depth, maxAgeMilliseconds: maxAge)
        for seq in 1...last { XCTAssertTrue(history.append(message(seq), timeMilliseconds: Int64(seq) * 1000)) }
        return history
    }

    /// What a client that last saw `since` missed, from the history's
    /// replay primitives (as the broadcaster uses them).
    private enum Lookup {
        case upToDate
        case messages([StreamMessage])
        case unavailable(oldestAvailable: UInt64?)
    }

    private func lookup(_ history: ChannelHistory, after since: UInt64, now: Int64) -> Lookup {
        if since == history.lastSeq { return .upToDate }
        let oldest = history.oldestReplayable(nowMilliseconds: now)?.seq
        guard since < history.lastSeq, let oldest, since >= oldest - 1 else { return .unavailable(oldestAvailable: oldest) }
        return .messages(history.messages(from: since + 1, maxCount: .max, maxBytes: .max, nowMilliseconds: now).messages)
    }

    private func seqs(_ lookup: Lookup, file: StaticString = #filePath, line: UInt = #line) -> [UInt64]? {
        guard case .messages(let messages) = lookup else {
            XCTFail("expected messages, got \(lookup)", file: file, line: line)
            return nil
        }
        return messages.map(\.seq)
    }

    private func assertUnavailable(_ lookup: Lookup, oldest: UInt64?, file: StaticString = #filePath, line: UInt = #line) {
        guard case .unavailable(let oldestAvailable) = lookup else {
            return XCTFail("expected unavailable, got \(lookup)", file: file, line: line)
        }
        XCTAssertEqual(oldestAvailable, oldest, "oldestAvailable", file: file, line: line)
    }

    private func assertUpToDate(_ lookup: Lookup, file: StaticString = #filePath, line: UInt = #line) {
        guard case .upToDate = lookup else { return XCTFail("expected upToDate, got \(lookup)", file: file, line: line) }
    }

    func testSinceReturnsExactlyTheMessagesAfterIt() {
        let history = history(upTo: 5)
        XCTAssertEqual(seqs(lookup(history, after: 0, now: 6000)), [1, 2, 3, 4, 5])
        XCTAssertEqual(seqs(lookup(history, after: 2, now: 6000)), [3, 4, 5])
        XCTAssertEqual(seqs(lookup(history, after: 4, now: 6000)), [5])
        XCTAssertEqual(history.lastSeq, 5)
        XCTAssertEqual(history.count, 5)
    }

    func testSinceAtLastSeqIsUpToDate() {
        assertUpToDate(lookup(history(upTo: 5), after: 5, now: 6000))
        assertUpToDate(lookup(ChannelHistory(depth: 10, maxAgeMilliseconds: 1000), after: 0, now: 0))
    }

    func testDepthEvictionMakesOlderSinceUnavailable() {
        let history = history(upTo: 10, depth: 3)
        XCTAssertEqual(history.count, 3)
        XCTAssertEqual(history.oldestSeq, 8)
        XCTAssertEqual(seqs(lookup(history, after: 7, now: 11_000)), [8, 9, 10], "since+1 is the oldest held")
        assertUnavailable(lookup(history, after: 6, now: 11_000), oldest: 8)
        assertUnavailable(lookup(history, after: 0, now: 11_000), oldest: 8)
    }

    func testAgedMessagesAreUnavailableEvenBeforeEviction() {
        // Seqs 1...5 at 1 s ... 5 s; at 6.5 s with a 3 s bound, 1, 2 and 3 are too old.
        var history = history(upTo: 5, maxAge: 3000)
        assertUnavailable(lookup(history, after: 0, now: 6500), oldest: 4)
        assertUnavailable(lookup(history, after: 2, now: 6500), oldest: 4)
        XCTAssertEqual(seqs(lookup(history, after: 3, now: 6500)), [4, 5])
        XCTAssertEqual(seqs(lookup(history, after: 0, now: 4000)), [1, 2, 3, 4, 5], "exactly maxAge old is still offered")
        XCTAssertEqual(history.count, 5, "lookup does not evict")

        history.evictExpired(nowMilliseconds: 6500)
        XCTAssertEqual(history.count, 2)
        XCTAssertEqual(history.oldestSeq, 4)
        history.evictExpired(nowMilliseconds: 60_000)
        XCTAssertEqual(history.count, 0)
        XCTAssertEqual(history.lastSeq, 5, "eviction never forgets the seq")
        assertUpToDate(lookup(history, after: 5, now: 60_000))
        assertUnavailable(lookup(history, after: 4, now: 60_000), oldest: nil)
    }

    func testSinceBeyondLastSeqIsUnavailable() {
        let history = history(upTo: 5)
        assertUnavailable(lookup(history, after: 6, now: 6000), oldest: 1)
        assertUnavailable(lookup(history, after: 900, now: 6000), oldest: 1)
        assertUnavailable(lookup(ChannelHistory(depth: 10, maxAgeMilliseconds: 1000), after: 3, now: 0), oldest: nil)
    }

    func testExpiredMessagesAreSkippedWithoutBeingAGap() {
        var history = ChannelHistory(depth: 10, maxAgeMilliseconds: 60_000)
        history.append(message(1), timeMilliseconds: 1000)
        history.append(message(2, expiresAt: 1500), timeMilliseconds: 1000)
        history.append(message(3, expiresAt: 9000), timeMilliseconds: 1000)
        history.append(message(4), timeMilliseconds: 1000)
        XCTAssertEqual(seqs(lookup(history, after: 0, now: 1400)), [1, 2, 3, 4])
        XCTAssertEqual(seqs(lookup(history, after: 0, now: 2000)), [1, 3, 4])
        XCTAssertEqual(seqs(lookup(history, after: 1, now: 2000)), [3, 4], "seq 2 expired: skipped, not unavailable")
        XCTAssertEqual(seqs(lookup(history, after: 1, now: 9000)), [4], "expiry at exactly now counts as expired")

        var stale = ChannelHistory(depth: 10, maxAgeMilliseconds: 60_000)
        stale.append(message(1), timeMilliseconds: 0)
        stale.append(message(2, expiresAt: 10), timeMilliseconds: 0)
        XCTAssertEqual(seqs(lookup(stale, after: 1, now: 20)), [], "everything missed has expired")
    }

    func testOutOfOrderAppendIsIgnored() {
        var history = history(upTo: 5)
        XCTAssertFalse(history.append(message(5), timeMilliseconds: 9000))
        XCTAssertFalse(history.append(message(3), timeMilliseconds: 9000))
        XCTAssertEqual(history.count, 5)
        XCTAssertEqual(history.lastSeq, 5)
    }

    func testASeqJumpEmptiesTheRingSoNoReplaySpansIt() {
        var history = history(upTo: 5)
        XCTAssertTrue(history.append(message(8), timeMilliseconds: 9000))
        XCTAssertEqual(history.count, 1)
        XCTAssertEqual(seqs(lookup(history, after: 7, now: 9000)), [8])
        assertUnavailable(lookup(history, after: 5, now: 9000), oldest: 8)
    }

    func testRestoredSeqWithRecordsReplaysThem() {
        // What the broadcaster does after a restart: last seq from the durable
        // log, then its most recent records.
        var history = ChannelHistory(depth: 100, maxAgeMilliseconds: 60_000)
        history.restore(lastSeq: 10)
        for seq in UInt64(7)...10 { XCTAssertTrue(history.append(message(seq), timeMilliseconds: 1000)) }
        XCTAssertEqual(history.lastSeq, 10)
        XCTAssertEqual(seqs(lookup(history, after: 6, now: 1000)), [7, 8, 9, 10])
        assertUnavailable(lookup(history, after: 5, now: 1000), oldest: 7)
        assertUpToDate(lookup(history, after: 10, now: 1000))
    }

    func testRestoredSeqBeyondTheRecordsIsAGapAtTheEnd() {
        var history = ChannelHistory(depth: 100, maxAgeMilliseconds: 60_000)
        history.restore(lastSeq: 10)
        history.append(message(7), timeMilliseconds: 1000)
        history.append(message(8), timeMilliseconds: 1000)
        XCTAssertEqual(history.lastSeq, 10)
        assertUnavailable(lookup(history, after: 7, now: 1000), oldest: nil)
        XCTAssertTrue(history.append(message(11), timeMilliseconds: 1000))
        XCTAssertEqual(seqs(lookup(history, after: 10, now: 1000)), [11])
        assertUnavailable(lookup(history, after: 8, now: 1000), oldest: 11)
    }

    func testZeroDepthKeepsOnlyTheSeq() {
        var history = ChannelHistory(depth: 0, maxAgeMilliseconds: 1000)
        history.append(message(1), timeMilliseconds: 0)
        history.append(message(2), timeMilliseconds: 0)
        XCTAssertEqual(history.count, 0)
        XCTAssertEqual(history.lastSeq, 2)
        assertUpToDate(lookup(history, after: 2, now: 0))
        assertUnavailable(lookup(history, after: 1, now: 0), oldest: nil)
    }

    func testRingWrapsManyTimes() {
        var history = ChannelHistory(depth: 7, maxAgeMilliseconds: 0)
        for seq in UInt64(1)...1000 {
            history.append(message(seq), timeMilliseconds: 0)
            let since = seq >= 7 ? seq - 7 : 0
            XCTAssertEqual(seqs(lookup(history, after: since, now: .max)), Array((since + 1)...seq))
        }
    }

    func testMessagesFromASeqAreBoundedInCountAndBytes() {
        let history = history(upTo: 10)
        let first = history.messages(from: 3, maxCount: 4, maxBytes: .max, nowMilliseconds: 11_000)
        XCTAssertEqual(first.messages.map(\.seq), [3, 4, 5, 6])
        XCTAssertEqual(first.next, 7, "where the next batch starts")
        let bytes = history.messages(from: 3, maxCount: .max, maxBytes: 4, nowMilliseconds: 11_000)
        XCTAssertEqual(bytes.messages.map(\.seq), [3, 4], "stops once the frames reach maxBytes (2 bytes each)")
        XCTAssertEqual(history.messages(from: 11, maxCount: 5, maxBytes: .max, nowMilliseconds: 11_000).messages.count, 0,
                       "nothing beyond the last seq")
    }

    func testFirstSeqAtOrAfterATime() {
        let history = history(upTo: 5, depth: 3)  // holds 3, 4, 5 at 3 s, 4 s, 5 s
        XCTAssertEqual(history.firstSeq(atOrAfter: 4000, nowMilliseconds: 6000), 4, "at counts")
        XCTAssertEqual(history.firstSeq(atOrAfter: 3500, nowMilliseconds: 6000), 4)
        XCTAssertEqual(history.firstSeq(atOrAfter: 0, nowMilliseconds: 6000), 3, "the oldest held")
        XCTAssertNil(history.firstSeq(atOrAfter: 5001, nowMilliseconds: 6000), "nothing that recent")
        XCTAssertEqual(history.oldestReplayable(nowMilliseconds: 6000)?.seq, 3)
        XCTAssertEqual(history.oldestReplayable(nowMilliseconds: 6000)?.timeMilliseconds, 3000)
    }
}
