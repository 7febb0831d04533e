import Foundation
import StreamClient
import XCTest

/// The broadcaster end to end: seq, `since` recovery, history limits,
/// durable private streams across a restart, snapshots, expiry, HTTPS
/// publishing, metrics.
final class StreamingTests: XCTestCase {
    var server: TestServer!
    var producer: TestClient!

    override func setUpWithError() throws {
        server = try TestServer()
        producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
    }
    override func tearDown() { server?.stop() }

    private func publish(_ channel: String, _ data: String = #"{"status":"new"}"#, id: Int = 1, on client: TestClient? = nil) throws -> Int {
        try (client ?? producer!).publish(channel, data, id: id)
    }

    private func subscribe(_ client: TestClient, _ channels: [String], since: [String: Int]? = nil) throws {
        try client.subscribe(channels, since: since)
    }

    func testSeqStartsAtOneAndSinceRecoversExactlyWhatWasMissed() throws {
        var trader = try server.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(trader, ["order:acct-1"])
        for i in 1...3 { XCTAssertEqual(try publish("order:acct-1", id: i), i) }
        for i in 1...3 { XCTAssertEqual(try trader.nextJSON()["seq"] as? Int, i) }
        trader = try server.session(token: TestServer.token(sub: "acct-1"))  // a reconnect
        for i in 4...6 { XCTAssertEqual(try publish("order:acct-1", id: i), i) }
        try subscribe(trader, ["order:acct-1"], since: ["order:acct-1": 3])
        for i in 4...6 { XCTAssertEqual(try trader.nextJSON()["seq"] as? Int, i, "replayed in order") }
        XCTAssertEqual(try publish("order:acct-1", id: 7), 7)
        XCTAssertEqual(try trader.nextJSON()["seq"] as? Int, 7, "then live, with no gap and no duplicate")
    }

    func testSinceBeyondHistoryIsRecoveryFailedThenWhatIsLeft() throws {
        server.stop()
        server = try TestServer { $0.streams.historyDepth = 2 }
        producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        for i in 1...5 { _ = try publish("signal:EURUSD", id: i) }
        let trader = try server.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(trader, ["signal:EURUSD"], since: ["signal:EURUSD": 1])
        let notice = try trader.nextJSON()
        XCTAssertEqual(notice["type"] as? String, "recovery_failed")
        let data = notice["data"] as? [String: Any]
        XCTAssertEqual(data?["channel"] as? String, "signal:EURUSD")
        XCTAssertEqual(data?["reason"] as? String, "history_unavailable")
        XCTAssertEqual(data?["since"] as? Int, 1)
        XCTAssertEqual(data?["last_seq"] as? Int, 5)
        XCTAssertEqual(data?["replay_from"] as? Int, 4, "history holds the last two")
        XCTAssertEqual(try trader.nextJSON()["seq"] as? Int, 4)
        XCTAssertEqual(try trader.nextJSON()["seq"] as? Int, 5)
    }

    func testPrivateStreamsSurviveARestart() throws {
        let dataDirectory = server.directory + "/streams-restart"
        server.stop()
        server = try TestServer { $0.streams.dataDirectory = dataDirectory }
        producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        for i in 1...3 { _ = try publish("order:acct-1", #"{"status":"n\#(i)"}"#, id: i) }
        server.stop()
        server = try TestServer { $0.streams.dataDirectory = dataDirectory }
        producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        let trader = try server.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(trader, ["order:acct-1"], since: ["order:acct-1": 1])
        let second = try trader.nextJSON()
        XCTAssertEqual(second["seq"] as? Int, 2)
        XCTAssertEqual((second["data"] as? [String: Any])?["status"] as? String, "n2")
        XCTAssertEqual(try trader.nextJSON()["seq"] as? Int, 3)
        XCTAssertEqual(try publish("order:acct-1", id: 9), 4, "seq continues after the restart")
    }

    func testNewTickSubscriberGetsTheLatestPriceOfEachSymbolFirst() throws {
        _ = try publish("tick:EURUSD", #"{"symbol":"EURUSD","bid":1.1,"ask":1.2,"spread":0.1}"#, id: 1)
        _ = try publish("tick:EURUSD", #"{"symbol":"EURUSD","bid":1.3,"ask":1.4,"spread":0.1}"#, id: 2)
        _ = try publish("tick:GBPUSD", #"{"symbol":"GBPUSD","bid":1.2,"ask":1.3,"spread":0.1}"#, id: 3)
        let trader = try server.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(trader, ["tick:*"])
        let first = try trader.nextJSON(), second = try trader.nextJSON()
        XCTAssertEqual(first["channel"] as? String, "tick:EURUSD")
        XCTAssertEqual(first["seq"] as? Int, 2, "the newest EURUSD tick, not the first")
        XCTAssertEqual(second["channel"] as? String, "tick:GBPUSD")
    }

    func testExpiredSignalsAreNeitherDeliveredNorReplayed() throws {
        let past = "2020-01-01T00:00:00.000Z"
        try producer.sendText(#"{"type":"publish","id":1,"channel":"signal:EURUSD","data":{"symbol":"EURUSD","valid_until":"\#(past)"}}"#)
        XCTAssertEqual(try producer.nextJSON()["type"] as? String, "error", "already expired: refused")
        let soon = Date().addingTimeInterval(1)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        XCTAssertEqual(try publish("signal:EURUSD", #"{"symbol":"EURUSD","valid_until":"\#(formatter.string(from: soon))"}"#, id: 2), 1)
        XCTAssertEqual(try publish("signal:EURUSD", #"{"symbol":"EURUSD"}"#, id: 3), 2)
        Thread.sleep(forTimeInterval: 1.5)
        let trader = try server.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(trader, ["signal:EURUSD"], since: ["signal:EURUSD": 0])
        XCTAssertEqual(try trader.nextJSON()["seq"] as? Int, 2, "seq 1 expired: skipped, not a gap")
    }

    func testPublishedDataIsForwardedAsThePublisherWroteIt() throws {
        let trader = try server.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(trader, ["tick:EURUSD"])
        XCTAssertEqual(try publish("tick:EURUSD", #"{"z": 1.50, "a":[true, null], "t":"\u00e9"}"#), 1)
        guard case .text(let bytes) = try trader.nextEvent() else { return XCTFail("expected the tick") }
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).hasSuffix(#","data":{"z": 1.50, "a":[true, null], "t":"\u00e9"}}"#),
                      "not re-encoded: \(String(decoding: bytes, as: UTF8.self))")
    }

    func testHTTPSPublishReachesWssSubscribers() throws {
        let trader = try server.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(trader, ["order:acct-1", "tick:EURUSD"])
        let http = try BlockingTLSConnection(host: "127.0.0.1", port: server.port, caPath: server.caPath)
        let body = #"[{"channel":"order:acct-1","type":"order_update","data":{"order_id":"o1","status":"filled"}},{"channel":"tick:EURUSD","data":{"symbol":"EURUSD","bid":1,"ask":1.1,"spread":0.1}}]"#
        let answer = try http.exchange(method: "POST", path: "/api/v1/publish", host: "127.0.0.1",
                                       headers: [("Authorization", "Bearer \(TestServer.token(sub: "feed", roles: ["producer"]))")],
                                       body: Array(body.utf8))
        XCTAssertEqual(answer.status, 200, answer.bodyText)
        let results = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(answer.bodyText.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["channel"] as? String }, ["order:acct-1", "tick:EURUSD"], answer.bodyText)
        XCTAssertEqual(results.map { $0["seq"] as? Int }, [1, 1])
        let order = try trader.nextJSON(), tick = try trader.nextJSON()
        XCTAssertEqual(order["type"] as? String, "order_update")
        XCTAssertEqual(tick["type"] as? String, "tick")
        XCTAssertEqual(results.map { $0["epoch"] as? String }, [order["epoch"] as? String, tick["epoch"] as? String],
                       "each result names the epoch its seq belongs to")
        XCTAssertEqual((results[0]["epoch"] as? String)?.count, 12)
        // The same connection stays open for the next request (keep-alive).
        let again = try http.exchange(method: "POST", path: "/api/v1/publish", host: "127.0.0.1",
                                      headers: [("Authorization", "Bearer \(TestServer.token(sub: "acct-1"))")],
                                      body: Array(#"{"channel":"order:acct-1","data":{"status":"forged"}}"#.utf8))
        XCTAssertEqual(again.status, 403, "a trader token may not publish")
    }

    func testHTTPSPublishRefusals() throws {
        func post(_ body: String, token: String?) throws -> HTTPAnswer {
            let http = try BlockingTLSConnection(host: "127.0.0.1", port: server.port, caPath: server.caPath)
            var headers: [(String, String)] = []
            if let token { headers.append(("Authorization", "Bearer \(token)")) }
            return try http.exchange(method: "POST", path: "/api/v1/publish", host: "x", headers: headers, body: Array(body.utf8))
        }
        let publisher = TestServer.token(sub: "feed", roles: ["producer"])
        XCTAssertEqual(try post(#"{"channel":"tick:X","data":{}}"#, token: nil).status, 401)
        XCTAssertEqual(try post(#"{"channel":"tick:X","data":{}}"#, token: "garbage").status, 401)
        XCTAssertEqual(try post("not json", token: publisher).status, 400)
        XCTAssertEqual(try post(#"{"channel":"tick:*","data":{}}"#, token: publisher).status, 400)
        XCTAssertEqual(try post(#"{"channel":"nope:X","data":{}}"#, token: publisher).status, 400)
        XCTAssertEqual(try post(#"{"channel":"tick:X","data":[1]}"#, token: publisher).status, 400)
        XCTAssertEqual(try post(#"{"channel":"tick:X","type":"signal","data":{}}"#, token: publisher).status, 400)
    }

    func testMetricsMoveAsTrafficFlows() throws {
        func metrics() throws -> String {
            let http = try BlockingTLSConnection(host: "127.0.0.1", port: server.port, caPath: server.caPath)
            let answer = try http.exchange(method: "GET", path: "/metrics", host: "x")
            XCTAssertEqual(answer.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
            return answer.bodyText
        }
        func value(_ text: String, _ series: String) -> Double {
            text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ")[1]) } ?? 0
        }
        let before = try metrics()
        let trader = try server.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(trader, ["tick:EURUSD"])
        for i in 1...5 { _ = try publish("tick:EURUSD", #"{"symbol":"EURUSD","bid":1,"ask":2,"spread":1}"#, id: i) }
        for _ in 1...5 { _ = try trader.nextJSON() }
        _ = try server.upgradeResponse(headers: [])
        let after = try metrics()
        XCTAssertEqual(value(after, #"streamd_messages_out_total{type="tick"}"#) - value(before, #"streamd_messages_out_total{type="tick"}"#), 5)
        XCTAssertEqual(value(after, "streamd_published_total") - value(before, "streamd_published_total"), 5)
        XCTAssertGreaterThan(value(after, "streamd_handshakes_total"), value(before, "streamd_handshakes_total"))
        XCTAssertGreaterThanOrEqual(value(after, #"streamd_refusals_total{reason="missing_token"}"#), 1)
        XCTAssertGreaterThan(value(after, "streamd_publish_to_write_seconds_count"), 0)
        XCTAssertGreaterThanOrEqual(value(after, "streamd_sessions"), 2)
    }
}
