@testable import StreamServer
import XCTest

/// The cluster's wire formats as values: what the Lua script publishes and
/// stores, read back; malformed input refused rather than guessed at.
final class ClusterCodecTests: XCTestCase {
    let envelope = Array(#"{"type":"order_update","channel":"order:acct-1","seq":7,"data":{}}"#.utf8)

    func testBusMessageRoundTrip() throws {
        let meta = ClusterMeta(expiresAtMilliseconds: 1_800_000_000_000, timeMilliseconds: 1_700_000_000_000, epoch: "e1", channel: "order:acct-1")
        let message = try XCTUnwrap(ClusterCodec.decodeBusMessage(Array("7 \(meta.text)\n".utf8) + envelope))
        XCTAssertEqual(message.seq, 7)
        XCTAssertEqual(message.channel, "order:acct-1")
        XCTAssertEqual(message.kind, .order)
        XCTAssertEqual(message.expiresAtMilliseconds, 1_800_000_000_000)
        XCTAssertEqual(message.timeMilliseconds, 1_700_000_000_000)
        XCTAssertEqual(message.epoch, "e1")
        XCTAssertEqual(message.payload, envelope)
    }

    func testNoExpiryIsADash() throws {
        let meta = ClusterMeta(expiresAtMilliseconds: nil, timeMilliseconds: 5, epoch: "e1", channel: "tick:EURUSD")
        XCTAssertEqual(meta.text, "- 5 e1 tick:EURUSD")
        XCTAssertEqual(ClusterMeta.parse(Array(meta.text.utf8)), meta)
    }

    func testStreamEntry() throws {
        let fields = [Array("m".utf8), Array("- 5 e1 order:acct-1".utf8), Array("j".utf8), envelope]
        let message = try XCTUnwrap(ClusterCodec.decodeStreamEntry(id: Array("12-0".utf8), fields: fields))
        XCTAssertEqual(message.seq, 12)
        XCTAssertEqual(message.payload, envelope)
        XCTAssertNil(ClusterCodec.decodeStreamEntry(id: Array("12-0".utf8), fields: Array(fields.prefix(2))), "no envelope")
        XCTAssertNil(ClusterCodec.decodeStreamEntry(id: Array("x-0".utf8), fields: fields), "no seq in the id")
    }

    func testMalformedBusMessagesAreRefused() {
        for text in ["", "7", "7 - 5 e1 order:acct-1", "x - 5 e1 order:acct-1\n{}", "0 - 5 e1 order:acct-1\n{}",
                     "7 - five e1 order:acct-1\n{}", "7 soon 5 e1 order:acct-1\n{}", "7 - 5 e1 \n{}", "7 - 5 e1 nokind:acct-1\n{}",
                     "7 - 5 order:acct-1\n{}"] {
            XCTAssertNil(ClusterCodec.decodeBusMessage(Array(text.utf8)), text.debugDescription)
        }
    }

    func testKeysCarryThePrefix() {
        let keys = ClusterKeys(prefix: "eu:")
        XCTAssertEqual(keys.sequence("tick:X"), "eu:seq:tick:X")
        XCTAssertEqual(keys.stream("tick:X"), "eu:stream:tick:X")
        XCTAssertEqual(keys.sessions("acct-1"), "eu:sessions:acct-1")
        XCTAssertEqual(keys.bus, "eu:bus")
        XCTAssertEqual(keys.channels, "eu:channels")
    }

    func testClusterSettingsProblemsNameTheField() {
        var settings = ClusterSettings()
        XCTAssertEqual(settings.problems(), [])
        settings.keyPrefix = ""
        settings.sessionLeaseSeconds = 1
        XCTAssertEqual(settings.problems(), ["cluster.key_prefix must not be empty", "cluster.session_lease_s must be at least 3"])
    }
}
