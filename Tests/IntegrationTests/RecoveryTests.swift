import Foundation
import StreamClient
import StreamServer
import XCTest

/// Recovery a client can trust (issue 11): epochs across restarts, positions
/// as (epoch, seq), wildcard recovery of channels born while a client was
/// away, deep replay of private streams from the durable log paced by the
/// socket, and idempotent publishing. Real server, real TLS.
final class RecoveryTests: XCTestCase {
    var server: TestServer!
    var dataDirectory = ""

    override func setUpWithError() throws {
        dataDirectory = TestServer.workDirectory + "/recovery-\(UUID().uuidString.prefix(8))"
        server = try start()
    }
    override func tearDown() { server?.stop() }

    private func start(_ configure: @escaping (inout ServerConfiguration) -> Void = { _ in }) throws -> TestServer {
        let directory = dataDirectory
        return try TestServer { configuration in
            configuration.streams.dataDirectory = directory
            configure(&configuration)
        }
    }

    private func restart(_ configure: @escaping (inout ServerConfiguration) -> Void = { _ in }) throws {
        server.stop()
        server = try start(configure)
    }

    private func producer() throws -> TestClient { try server.session(token: TestServer.token(sub: "feed", roles: ["producer"])) }
    private func trader(timeout: Int = 5, receiveBuffer: Int32? = nil) throws -> TestClient {
        try server.session(token: TestServer.token(sub: "acct-1"), timeoutSeconds: timeout, receiveBufferBytes: receiveBuffer)
    }

    private func notice(_ message: [String: Any], file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        XCTAssertEqual(message["type"] as? String, "recovery_failed", "\(message)", file: file, line: line)
        return message["data"] as? [String: Any] ?? [:]
    }

    // MARK: Epochs

    /// The issue's first scenario: five signals, a restart, seven more. A
    /// client resuming at (E1, 5) is told the numbering changed and gets the
    /// new run's 1...7, never 6 and 7 as if they followed its 5.
    func testARestartStartsANewEpochAndSinceAcrossItIsEpochChanged() throws {
        var feed = try producer()
        var oldEpoch = ""
        for n in 1...5 { oldEpoch = try feed.publishAck("signal:EURUSD", #"{"n":\#(n)}"#, id: n)["epoch"] as? String ?? "" }
        try restart()
        feed = try producer()
        var newEpoch = ""
        for n in 1...7 {
            let ack = try feed.publishAck("signal:EURUSD", #"{"n":\#(100 + n)}"#, id: n)
            XCTAssertEqual(ack["seq"] as? Int, n, "the new run numbers from 1")
            newEpoch = ack["epoch"] as? String ?? ""
        }
        XCTAssertNotEqual(newEpoch, oldEpoch)
        let client = try trader()
        try client.subscribe(["signal:EURUSD"], since: ["signal:EURUSD": ["seq": 5, "epoch": oldEpoch]])
        let data = notice(try client.nextJSON())
        XCTAssertEqual(data["reason"] as? String, "epoch_changed")
        XCTAssertEqual(data["channel"] as? String, "signal:EURUSD")
        XCTAssertEqual(data["since"] as? Int, 5)
        XCTAssertEqual(data["since_epoch"] as? String, oldEpoch)
        XCTAssertEqual(data["epoch"] as? String, newEpoch)
        XCTAssertEqual(data["last_seq"] as? Int, 7)
        XCTAssertEqual(data["replay_from"] as? Int, 1, "history holds the whole new epoch")
        for n in 1...7 {
            let message = try client.nextJSON()
            XCTAssertEqual(message["seq"] as? Int, n)
            XCTAssertEqual(message["epoch"] as? String, newEpoch)
            XCTAssertEqual((message["data"] as? [String: Any])?["n"] as? Int, 100 + n)
        }
    }

    func testAnEpochWithNothingLeftToReplayHasReplayFromNull() throws {
        var feed = try producer()
        let old = try feed.publishAck("idea:EURUSD", #"{"n":1}"#)["epoch"] as? String ?? ""
        try restart { $0.streams.historyDepth = 0 }
        feed = try producer()
        _ = try feed.publishAck("idea:EURUSD", #"{"n":2}"#)
        let client = try trader()
        try client.subscribe(["idea:EURUSD"], since: ["idea:EURUSD": ["seq": 1, "epoch": old]])
        let data = notice(try client.nextJSON())
        XCTAssertEqual(data["reason"] as? String, "epoch_changed")
        XCTAssertTrue(data["replay_from"] is NSNull, "\(data)")
        try client.sendText(#"{"type":"ping","id":"after"}"#)
        XCTAssertEqual(try client.nextJSON()["type"] as? String, "pong", "no replay came before the pong")
    }

    func testADurableChannelKeepsItsEpochAcrossARestart() throws {
        var feed = try producer()
        var epoch = ""
        for n in 1...5 { epoch = try feed.publishAck("order:acct-1", #"{"n":\#(n)}"#, id: n)["epoch"] as? String ?? "" }
        try restart()
        feed = try producer()
        let next = try feed.publishAck("order:acct-1", #"{"n":6}"#)
        XCTAssertEqual(next["seq"] as? Int, 6, "numbering continues")
        XCTAssertEqual(next["epoch"] as? String, epoch, "in the same epoch")
        let client = try trader()
        try client.subscribe(["order:acct-1"], since: ["order:acct-1": ["seq": 3, "epoch": epoch]])
        for n in 4...6 { XCTAssertEqual(try client.nextJSON()["seq"] as? Int, n, "an exact continuation, no notice") }
    }

    func testBadSinceValuesAreBadRequestsThatSayWhatToFix() throws {
        let client = try trader()
        for (since, words) in [(#"{"order:acct-1":{"seq":-1,"epoch":"e"}}"#, "seq"),
                               (#"{"order:acct-1":{"seq":1}}"#, "epoch"),
                               (#"{"order:acct-1":true}"#, "seq"),
                               (#"{"signal:*":{"seqs":{}}}"#, "after"),
                               (#"{"signal:*":{"after":"yesterday"}}"#, "after"),
                               (#"{"signal:*":{"after":"2026-01-01T00:00:00.000Z","seqs":{"tick:X":{"seq":1,"epoch":"e"}}}}"#, "matches"),
                               (#"[1]"#, "object")] {
            try client.sendText(#"{"type":"subscribe","id":7,"channels":["order:acct-1","signal:*"],"since":\#(since)}"#)
            let answer = try client.nextJSON()
            XCTAssertEqual(answer["type"] as? String, "error", since)
            let message = (answer["data"] as? [String: Any])?["message"] as? String ?? ""
            XCTAssertEqual((answer["data"] as? [String: Any])?["code"] as? String, "bad_request", since)
            XCTAssertTrue(message.contains(words), "\(since): \(message)")
        }
    }

    // MARK: Wildcards

    func testWildcardRecoveryFindsAChannelBornWhileTheClientWasAway() throws {
        let feed = try producer()
        var client = try trader()
        try client.subscribe(["signal:*"])
        for n in 1...3 { _ = try feed.publishAck("signal:EURUSD", #"{"n":\#(n)}"#, id: n) }
        var last: [String: Any] = [:]
        for _ in 1...3 { last = try client.nextJSON() }
        let epoch = try XCTUnwrap(last["epoch"] as? String)
        let after = try XCTUnwrap(last["timestamp"] as? String)
        client.close()

        usleep(5_000)  // the next messages carry a later timestamp
        for n in 4...5 { _ = try feed.publishAck("signal:EURUSD", #"{"n":\#(n)}"#, id: n) }
        for n in 1...2 { _ = try feed.publishAck("signal:GBPUSD", #"{"n":\#(n)}"#, id: 10 + n) }  // born during the outage

        client = try trader()
        try client.subscribe(["signal:*"], since: ["signal:*": ["after": after, "seqs": ["signal:EURUSD": ["seq": 3, "epoch": epoch]]]])
        var got: [String: [Int]] = [:]
        for _ in 1...4 {
            let message = try client.nextJSON()
            XCTAssertNotEqual(message["type"] as? String, "recovery_failed", "\(message)")
            got[message["channel"] as? String ?? "?", default: []].append(message["seq"] as? Int ?? -1)
        }
        XCTAssertEqual(got["signal:EURUSD"], [4, 5], "after its position")
        XCTAssertEqual(got["signal:GBPUSD"], [1, 2], "the new channel from its start")
        _ = try feed.publishAck("signal:GBPUSD", #"{"n":3}"#)
        let live = try client.nextJSON()
        XCTAssertEqual(live["channel"] as? String, "signal:GBPUSD")
        XCTAssertEqual(live["seq"] as? Int, 3, "then live, nothing twice")
    }

    func testWildcardRecoveryThatHistoryNoLongerReachesIsReported() throws {
        try restart { $0.streams.historyDepth = 2 }
        let feed = try producer()
        let before = ISO8601DateFormatter.withMilliseconds.string(from: Date().addingTimeInterval(-1))
        for n in 1...5 { _ = try feed.publishAck("idea:XAUUSD", #"{"n":\#(n)}"#, id: n) }
        let client = try trader()
        try client.subscribe(["idea:*"], since: ["idea:*": ["after": before, "seqs": [String: Any]()]])
        let data = notice(try client.nextJSON())
        XCTAssertEqual(data["channel"] as? String, "idea:XAUUSD")
        XCTAssertEqual(data["reason"] as? String, "history_unavailable")
        XCTAssertTrue(data["since"] is NSNull)
        XCTAssertEqual(data["replay_from"] as? Int, 4)
        XCTAssertEqual(try client.nextJSON()["seq"] as? Int, 4)
        XCTAssertEqual(try client.nextJSON()["seq"] as? Int, 5)
    }

    func testWildcardRecoveryIsBoundedInChannels() throws {
        try restart { $0.limits.maxRecoveryChannels = 2 }
        let feed = try producer()
        for symbol in ["AAA", "BBB", "CCC"] { _ = try feed.publishAck("tick:\(symbol)", #"{"n":1}"#) }
        let client = try trader()
        try client.subscribe(["tick:*"], since: ["tick:*": ["after": "2020-01-01T00:00:00.000Z"]])
        // The notice is about the pattern; it comes first, then the channels that fit.
        let data = notice(try client.nextJSON())
        XCTAssertEqual(data["channel"] as? String, "tick:*")
        XCTAssertEqual(data["reason"] as? String, "recovery_limit")
        XCTAssertEqual(data["channels"] as? [String], ["tick:CCC"], "the channel left out is named")
        XCTAssertEqual(try client.nextJSON()["channel"] as? String, "tick:AAA")
        XCTAssertEqual(try client.nextJSON()["channel"] as? String, "tick:BBB")
    }

    // MARK: Deep replay

    /// 20,000 order updates, most of them only on disk, to a reader with a
    /// 4 KiB receive buffer that reads slowly: all arrive in order with no
    /// 4008, and live updates published meanwhile follow with no gap and no
    /// duplicate.
    func testADeepReplayToASlowReaderIsPacedAndJoinsLiveWithoutAGap() throws {
        try restart { $0.limits.maxOutboundBytes = 256 << 10 }
        let feed = try producer()
        let http = try BlockingTLSConnection(host: "127.0.0.1", port: server.port, caPath: server.caPath)
        let total = 20_000
        for batch in stride(from: 1, through: total, by: 1000) {
            let items = (batch..<(batch + 1000)).map { #"{"channel":"order:acct-1","data":{"n":\#($0),"pad":"\#(String(repeating: "x", count: 100))"}}"# }
            let answer = try http.exchange(method: "POST", path: "/api/v1/publish", host: "x",
                                           headers: [("Authorization", "Bearer \(TestServer.token(sub: "feed", roles: ["producer"]))")],
                                           body: Array("[\(items.joined(separator: ","))]".utf8))
            XCTAssertEqual(answer.status, 200, answer.bodyText)
        }
        let epoch = try feed.publishAck("order:acct-1", #"{"n":\#(total + 1)}"#)["epoch"] as? String ?? ""
        let client = try trader(timeout: 30, receiveBuffer: 4096)
        try client.subscribe(["order:acct-1"], since: ["order:acct-1": ["seq": 0, "epoch": epoch]])
        var expected = 1
        while expected <= total + 101 {
            if expected == 500 {
                // Published mid-replay: they must come after the replay, in order.
                for n in 1...100 { _ = try feed.publishAck("order:acct-1", #"{"n":\#(total + 1 + n)}"#, id: n) }
            }
            if expected % 2000 == 0 { usleep(50_000) }  // a slow reader
            let message = try client.nextJSON()
            guard message["type"] as? String == "order_update" else { return XCTFail("at \(expected): \(message)") }
            guard message["seq"] as? Int == expected, (message["data"] as? [String: Any])?["n"] as? Int == expected else {
                return XCTFail("expected seq \(expected), got \(message["seq"] ?? "nil")")
            }
            expected += 1
        }
        try client.sendText(#"{"type":"ping","id":"end"}"#)
        XCTAssertEqual(try client.nextJSON()["type"] as? String, "pong", "nothing after the last live message: no duplicate")
    }

    func testRecoveryIsBoundedInMessagesAndSaysWhatWasLeftOut() throws {
        try restart { $0.limits.maxRecoveryMessages = 3 }
        let feed = try producer()
        var epoch = ""
        for n in 1...10 { epoch = try feed.publishAck("order:acct-1", #"{"n":\#(n)}"#, id: n)["epoch"] as? String ?? "" }
        let client = try trader()
        try client.subscribe(["order:acct-1"], since: ["order:acct-1": ["seq": 2, "epoch": epoch]])
        let data = notice(try client.nextJSON())
        XCTAssertEqual(data["reason"] as? String, "recovery_limit")
        XCTAssertEqual(data["replay_from"] as? Int, 8, "the newest three")
        for n in 8...10 { XCTAssertEqual(try client.nextJSON()["seq"] as? Int, n) }
    }

    // MARK: Idempotent publishing

    func testARepeatedIdempotencyKeyIsAnsweredWithTheOriginalOverWssAndHTTPS() throws {
        let feed = try producer()
        let subscriber = try trader()
        try subscriber.subscribe(["order:acct-1"])
        let first = try feed.publishAck("order:acct-1", #"{"order_id":"o1","status":"filled"}"#, idempotencyKey: "o1-filled")
        XCTAssertEqual(first["seq"] as? Int, 1)
        XCTAssertNil(first["duplicate"])
        let again = try feed.publishAck("order:acct-1", #"{"order_id":"o1","status":"filled"}"#, idempotencyKey: "o1-filled")
        XCTAssertEqual(again["seq"] as? Int, 1)
        XCTAssertEqual(again["epoch"] as? String, first["epoch"] as? String)
        XCTAssertEqual(again["duplicate"] as? Bool, true)
        // The same key on HTTPS, beside a new one, in one batch.
        let http = try BlockingTLSConnection(host: "127.0.0.1", port: server.port, caPath: server.caPath)
        let body = #"[{"channel":"order:acct-1","data":{"order_id":"o1"},"idempotency_key":"o1-filled"},{"channel":"order:acct-1","data":{"order_id":"o2"},"idempotency_key":"o2-new"}]"#
        let answer = try http.exchange(method: "POST", path: "/api/v1/publish", host: "x",
                                       headers: [("Authorization", "Bearer \(TestServer.token(sub: "feed", roles: ["producer"]))")],
                                       body: Array(body.utf8))
        XCTAssertEqual(answer.status, 200, answer.bodyText)
        let epoch = first["epoch"] as? String ?? ""
        XCTAssertEqual(answer.bodyText, #"{"results":[{"channel":"order:acct-1","seq":1,"epoch":"\#(epoch)","duplicate":true},{"channel":"order:acct-1","seq":2,"epoch":"\#(epoch)"}]}"#)
        // The same key on another channel is another message.
        XCTAssertEqual(try feed.publishAck("order:acct-2", #"{"order_id":"o1"}"#, idempotencyKey: "o1-filled")["seq"] as? Int, 1)
        XCTAssertEqual((try subscriber.nextJSON()["data"] as? [String: Any])?["order_id"] as? String, "o1")
        XCTAssertEqual((try subscriber.nextJSON()["data"] as? [String: Any])?["order_id"] as? String, "o2", "the repeats were never delivered")
    }

    func testAnIdempotencyKeySurvivesARestartOnADurableChannelWithinTheWindow() throws {
        var feed = try producer()
        let first = try feed.publishAck("payload:acct-1", #"{"payload_id":"p1"}"#, idempotencyKey: "p1")
        try restart()
        feed = try producer()
        let retry = try feed.publishAck("payload:acct-1", #"{"payload_id":"p1"}"#, idempotencyKey: "p1")
        XCTAssertEqual(retry["duplicate"] as? Bool, true)
        XCTAssertEqual(retry["seq"] as? Int, first["seq"] as? Int)
        XCTAssertEqual(retry["epoch"] as? String, first["epoch"] as? String)
        try restart { $0.streams.idempotencyWindowSeconds = 0 }
        feed = try producer()
        XCTAssertEqual(try feed.publishAck("payload:acct-1", #"{"payload_id":"p1"}"#, idempotencyKey: "p1")["seq"] as? Int, 2,
                       "outside the window a key is new again")
    }

    func testIdempotencyKeysAreCheckedAtTheirEdge() throws {
        let feed = try producer()
        XCTAssertEqual(try feed.publishAck("tick:EURUSD", "{}", idempotencyKey: String(repeating: "k", count: 128))["seq"] as? Int, 1)
        for bad in [String(repeating: "k", count: 129), "", "tab\\there"] {
            XCTAssertThrowsError(try feed.publishAck("tick:EURUSD", "{}", idempotencyKey: bad), bad) { error in
                XCTAssertTrue("\(error)".contains("idempotency_key"), "\(error)")
            }
        }
    }

    // MARK: The in-process API

    func testTheInProcessBroadcasterReturnsEpochsAndHonoursKeys() throws {
        let broadcaster = server.server.broadcaster
        let first = try broadcaster.broadcastOrderUpdate(account: "acct-9", orderID: "o1", symbol: "EURUSD", side: "buy",
                                                         status: "filled", volume: 1, price: 1.1, idempotencyKey: "o1")
        let again = try broadcaster.broadcastOrderUpdate(account: "acct-9", orderID: "o1", symbol: "EURUSD", side: "buy",
                                                         status: "filled", volume: 1, price: 1.1, idempotencyKey: "o1")
        XCTAssertEqual(first.seq, 1)
        XCTAssertFalse(first.duplicate)
        XCTAssertEqual(again, PublishReceipt(seq: 1, epoch: first.epoch, duplicate: true))
        XCTAssertEqual(first.epoch.count, 12)
    }
}

extension ISO8601DateFormatter {
    /// RFC 3339 with milliseconds, as the server writes timestamps.
    static var withMilliseconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
