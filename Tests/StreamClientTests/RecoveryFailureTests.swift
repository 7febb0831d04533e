import StreamClient
import XCTest

final class RecoveryFailureTests: XCTestCase {
    private func failure(_ json: String) throws -> RecoveryFailure {
        try XCTUnwrap(RecoveryFailure(try XCTUnwrap(StreamMessage(json: json))))
    }

    func testEpochChangedCarriesEveryField() throws {
        let notice = try failure(#"{"type":"recovery_failed","timestamp":"2026-12-06T21:00:00.123Z","data":{"channel":"order:acct-1","#
            + #""reason":"epoch_changed","since":41,"since_epoch":"E","epoch":"E2","last_seq":12,"replay_from":1}}"#)
        XCTAssertEqual(notice, RecoveryFailure(channel: "order:acct-1", reason: "epoch_changed", since: 41, sinceEpoch: "E", epoch: "E2",
                                               lastSeq: 12, replayFrom: 1, timestamp: "2026-12-06T21:00:00.123Z"))
        XCTAssertTrue(notice.isEpochChange)
    }

    func testNullsStayNil() throws {
        let notice = try failure(#"{"type":"recovery_failed","timestamp":"2026-12-06T21:00:00.123Z","data":{"channel":"signal:NZDUSD","#
            + #""reason":"history_unavailable","since":3,"since_epoch":"E","epoch":null,"last_seq":0,"replay_from":null}}"#)
        XCTAssertNil(notice.epoch)
        XCTAssertNil(notice.replayFrom)
        XCTAssertEqual(notice.lastSeq, 0)
        XCTAssertFalse(notice.isEpochChange)
    }

    /// A pattern's recovery over the server's bound names the channels it left out.
    func testRecoveryLimitNamesTheSkippedChannels() throws {
        let notice = try failure(#"{"type":"recovery_failed","data":{"channel":"signal:*","reason":"recovery_limit","since":null,"#
            + #""epoch":null,"last_seq":0,"replay_from":null,"channels":["signal:USDJPY","signal:ZARJPY"]}}"#)
        XCTAssertEqual(notice, RecoveryFailure(channel: "signal:*", reason: "recovery_limit", lastSeq: 0,
                                               skippedChannels: ["signal:USDJPY", "signal:ZARJPY"]))
    }

    /// Wire 1.0 servers send channel, since, last_seq and reason only.
    func testAnOlderServersNotice() throws {
        let notice = try failure(#"{"type":"recovery_failed","data":{"channel":"order:acct-1","since":41,"last_seq":12,"reason":"gap"}}"#)
        XCTAssertEqual(notice, RecoveryFailure(channel: "order:acct-1", reason: "gap", since: 41, lastSeq: 12))
    }

    func testOtherTypesAreNotNotices() throws {
        XCTAssertNil(RecoveryFailure(try XCTUnwrap(StreamMessage(json: #"{"type":"ack","id":1,"data":{"seq":3,"epoch":"E"}}"#))))
    }

    func testStreamMessagesCarryTheirEpoch() throws {
        let message = try XCTUnwrap(StreamMessage(json:
            #"{"type":"order_update","channel":"order:acct-1","seq":7,"epoch":"k3j9x2m4q8ab","timestamp":"2026-12-06T21:00:00.123Z","data":{}}"#))
        XCTAssertEqual(message.epoch, "k3j9x2m4q8ab")
        XCTAssertNil(StreamMessage(json: #"{"type":"tick","channel":"tick:EURUSD","seq":7,"data":{}}"#)?.epoch)
    }
}
