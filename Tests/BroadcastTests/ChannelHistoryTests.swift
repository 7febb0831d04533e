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

    private func seqs(_ lookup: HistoryLookup, file: StaticString = #filePath, line: UInt = #line) -> [UInt64]? {
        guard case .messages(let messages) = lookup else {
            XCTFail("expected messages, got \(lookup)", file: file, line: line)
            return nil
        }
        return messages.map(\.seq)
    }

    private func assertUnavailable(_ lookup: HistoryLookup, oldest: UInt64?, file: StaticString = #filePath, line: UInt = #line) {
        guard case .unavailable(let oldestAvailable) = lookup else {
            return XCTFail("expected unavailable, got \(lookup)", file: file, line: line)
        }
        XCTAssertEqual(oldestAvailable, oldest, "oldestAvailable", file: file, line: line)
    }

    private func assertUpToDate(_ lookup: HistoryLookup, file: StaticString = #filePath, line: UInt = #line) {
        guard case .upToDate = lookup else { return XCTFail("expected upToDate, got \(lookup)", file: file, line: line) }
    }

    func testSinceReturnsExactlyTheMessagesAfterIt() {
        let history = history(upTo: 5)
        XCTAssertEqual(seqs(history.lookup(after: 0, nowMilliseconds: 6000)), [1, 2, 3, 4, 5])
        XCTAssertEqual(seqs(history.lookup(after: 2, nowMilliseconds: 6000)), [3, 4, 5])
        XCTAssertEqual(seqs(history.lookup(after: 4, nowMilliseconds: 6000)), [5])
        XCTAssertEqual(history.lastSeq, 5)
        XCTAssertEqual(history.count, 5)
    }

    func testSinceAtLastSeqIsUpToDate() {
        assertUpToDate(history(upTo: 5).lookup(after: 5, nowMilliseconds: 6000))
        assertUpToDate(ChannelHistory(depth: 10, maxAgeMilliseconds: 1000).lookup(after: 0, nowMilliseconds: 0))
    }

    func testDepthEvictionMakesOlderSinceUnavailable() {
        let history = history(upTo: 10, depth: 3)
        XCTAssertEqual(history.count, 3)
        XCTAssertEqual(history.oldestSeq, 8)
        XCTAssertEqual(seqs(history.lookup(after: 7, nowMilliseconds: 11_000)), [8, 9, 10], "since+1 is the oldest held")
        assertUnavailable(history.lookup(after: 6, nowMilliseconds: 11_000), oldest: 8)
        assertUnavailable(history.lookup(after: 0, nowMilliseconds: 11_000), oldest: 8)
    }

    func testAgedMessagesAreUnavailableEvenBeforeEviction() {
        // Seqs 1...5 at 1 s ... 5 s; at 6.5 s with a 3 s bound, 1, 2 and 3 are too old.
        var history = history(upTo: 5, maxAge: 3000)
        assertUnavailable(history.lookup(after: 0, nowMilliseconds: 6500), oldest: 4)
        assertUnavailable(history.lookup(after: 2, nowMilliseconds: 6500), oldest: 4)
        XCTAssertEqual(seqs(history.lookup(after: 3, nowMilliseconds: 6500)), [4, 5])
        XCTAssertEqual(seqs(history.lookup(after: 0, nowMilliseconds: 4000)), [1, 2, 3, 4, 5], "exactly maxAge old is still offered")
        XCTAssertEqual(history.count, 5, "lookup does not evict")

        history.evictExpired(nowMilliseconds: 6500)
        XCTAssertEqual(history.count, 2)
        XCTAssertEqual(history.oldestSeq, 4)
        history.evictExpired(nowMilliseconds: 60_000)
        XCTAssertEqual(history.count, 0)
        XCTAssertEqual(history.lastSeq, 5, "eviction never forgets the seq")
        assertUpToDate(history.lookup(after: 5, nowMilliseconds: 60_000))
        assertUnavailable(history.lookup(after: 4, nowMilliseconds: 60_000), oldest: nil)
    }

    func testSinceBeyondLastSeqIsUnavailable() {
        let history = history(upTo: 5)
        assertUnavailable(history.lookup(after: 6, nowMilliseconds: 6000), oldest: 1)
        assertUnavailable(history.lookup(after: 900, nowMilliseconds: 6000), oldest: 1)
        assertUnavailable(ChannelHistory(depth: 10, maxAgeMilliseconds: 1000).lookup(after: 3, nowMilliseconds: 0), oldest: nil)
    }

    func testExpiredMessagesAreSkippedWithoutBeingAGap() {
        var history = ChannelHistory(depth: 10, maxAgeMilliseconds: 60_000)
        history.append(message(1), timeMilliseconds: 1000)
        history.append(message(2, expiresAt: 1500), timeMilliseconds: 1000)
        history.append(message(3, expiresAt: 9000), timeMilliseconds: 1000)
        history.append(message(4), timeMilliseconds: 1000)
        XCTAssertEqual(seqs(history.lookup(after: 0, nowMilliseconds: 1400)), [1, 2, 3, 4])
        XCTAssertEqual(seqs(history.lookup(after: 0, nowMilliseconds: 2000)), [1, 3, 4])
        XCTAssertEqual(seqs(history.lookup(after: 1, nowMilliseconds: 2000)), [3, 4], "seq 2 expired: skipped, not unavailable")
        XCTAssertEqual(seqs(history.lookup(after: 1, nowMilliseconds: 9000)), [4], "expiry at exactly now counts as expired")

        var stale = ChannelHistory(depth: 10, maxAgeMilliseconds: 60_000)
        stale.append(message(1), timeMilliseconds: 0)
        stale.append(message(2, expiresAt: 10), timeMilliseconds: 0)
        XCTAssertEqual(seqs(stale.lookup(after: 1, nowMilliseconds: 20)), [], "everything missed has expired")
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
        XCTAssertEqual(seqs(history.lookup(after: 7, nowMilliseconds: 9000)), [8])
        assertUnavailable(history.lookup(after: 5, nowMilliseconds: 9000), oldest: 8)
    }

    func testRestoredSeqWithRecordsReplaysThem() {
        // What the broadcaster does after a restart: last seq from the durable
        // log, then its most recent records.
        var history = ChannelHistory(depth: 100, maxAgeMilliseconds: 60_000)
        history.restore(lastSeq: 10)
        for seq in UInt64(7)...10 { XCTAssertTrue(history.append(message(seq), timeMilliseconds: 1000)) }
        XCTAssertEqual(history.lastSeq, 10)
        XCTAssertEqual(seqs(history.lookup(after: 6, nowMilliseconds: 1000)), [7, 8, 9, 10])
        assertUnavailable(history.lookup(after: 5, nowMilliseconds: 1000), oldest: 7)
        assertUpToDate(history.lookup(after: 10, nowMilliseconds: 1000))
    }

    func testRestoredSeqBeyondTheRecordsIsAGapAtTheEnd() {
        var history = ChannelHistory(depth: 100, maxAgeMilliseconds: 60_000)
        history.restore(lastSeq: 10)
        history.append(message(7), timeMilliseconds: 1000)
        history.append(message(8), timeMilliseconds: 1000)
        XCTAssertEqual(history.lastSeq, 10)
        assertUnavailable(history.lookup(after: 7, nowMilliseconds: 1000), oldest: nil)
        XCTAssertTrue(history.append(message(11), timeMilliseconds: 1000))
        XCTAssertEqual(seqs(history.lookup(after: 10, nowMilliseconds: 1000)), [11])
        assertUnavailable(history.lookup(after: 8, nowMilliseconds: 1000), oldest: 11)
    }

    func testZeroDepthKeepsOnlyTheSeq() {
        var history = ChannelHistory(depth: 0, maxAgeMilliseconds: 1000)
        history.append(message(1), timeMilliseconds: 0)
        history.append(message(2), timeMilliseconds: 0)
        XCTAssertEqual(history.count, 0)
        XCTAssertEqual(history.lastSeq, 2)
        assertUpToDate(history.lookup(after: 2, nowMilliseconds: 0))
        assertUnavailable(history.lookup(after: 1, nowMilliseconds: 0), oldest: nil)
    }

    func testRingWrapsManyTimes() {
        var history = ChannelHistory(depth: 7, maxAgeMilliseconds: 0)
        for seq in UInt64(1)...1000 {
            history.append(message(seq), timeMilliseconds: 0)
            let since = seq >= 7 ? seq - 7 : 0
            XCTAssertEqual(seqs(history.lookup(after: since, nowMilliseconds: .max)), Array((since + 1)...seq))
        }
    }
}
