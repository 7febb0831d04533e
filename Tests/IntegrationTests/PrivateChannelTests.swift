import Foundation
import XCTest

/// `order:` and `payload:` stay private to their subject under every channel
/// name a client can send, and only what the policy grants is delivered.
final class PrivateChannelTests: XCTestCase {
    var server: TestServer!
    var producer: TestClient!

    override func setUpWithError() throws {
        server = try TestServer()
        producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
    }
    override func tearDown() { server.stop() }

    private func subscribe(_ client: TestClient, _ channels: [String], id: Int = 1) throws -> (granted: [String], denied: [String]) {
        let list = try JSONSerialization.data(withJSONObject: channels)
        try client.sendText(#"{"type":"subscribe","id":\#(id),"channels":\#(String(decoding: list, as: UTF8.self))}"#)
        let answer = try client.nextJSON()
        XCTAssertEqual(answer["type"] as? String, "subscribed")
        let data = answer["data"] as? [String: Any] ?? [:]
        let granted = data["channels"] as? [String] ?? []
        let denied = (data["denied"] as? [[String: Any]] ?? []).compactMap { $0["channel"] as? String }
        return (granted, denied)
    }

    private func publish(_ channel: String, _ data: String, id: Int) throws -> Int {
        try producer.sendText(#"{"type":"publish","id":\#(id),"channel":"\#(channel)","data":\#(data)}"#)
        let ack = try producer.nextJSON()
        XCTAssertEqual(ack["type"] as? String, "ack", "\(ack)")
        return (ack["data"] as? [String: Any])?["seq"] as? Int ?? -1
    }

    func testEveryChannelNameForAnotherSubjectsOrdersIsDenied() throws {
        let trader = try server.session(token: TestServer.token(sub: "acct-2"))
        let attacks = [
            "order:*", "order:acct-1", "order:acct-*", "order:acct-1*", "order:ACCT-1", "order:acct-", "order:",
            "order:*acct-1", "*", "order*", "payload:*", "payload:acct-1", "payload:acct-1*", "order:acct-2*",
            "order:acct-2:acct-1", "ORDER:acct-1", "order:acct-1%00", "order:{sub}", "order:acct-1/../acct-2",
        ]
        let (granted, denied) = try subscribe(trader, attacks)
        XCTAssertEqual(granted, [], "nothing of another subject may be granted")
        XCTAssertEqual(denied.count, attacks.count, "every one denied")
    }

    func testChannelNameWithASpaceRefusesTheWholeOperation() throws {
        let trader = try server.session(token: TestServer.token(sub: "acct-2"))
        try trader.sendText(#"{"type":"subscribe","id":9,"channels":["tick:EURUSD"," order:acct-1"]}"#)
        let answer = try trader.nextJSON()
        XCTAssertEqual(answer["type"] as? String, "error")
        XCTAssertEqual((answer["data"] as? [String: Any])?["code"] as? String, "bad_request")
    }

    func testOrdersReachOnlyTheirOwnerAndTicksReachEveryone() throws {
        let owner = try server.session(token: TestServer.token(sub: "acct-1"))
        let other = try server.session(token: TestServer.token(sub: "acct-2"))
        XCTAssertEqual(try subscribe(owner, ["order:acct-1", "tick:*"]).granted, ["order:acct-1", "tick:*"])
        XCTAssertEqual(try subscribe(other, ["order:acct-1", "order:*", "tick:*", "order:acct-2"]).granted, ["tick:*", "order:acct-2"])

        XCTAssertEqual(try publish("order:acct-1", #"{"order_id":"o1","symbol":"EURUSD","side":"buy","status":"new","volume":1,"price":1.1}"#, id: 1), 1)
        XCTAssertEqual(try publish("order:acct-1", #"{"order_id":"o1","symbol":"EURUSD","side":"buy","status":"filled","volume":1,"price":1.1}"#, id: 2), 2)
        XCTAssertEqual(try publish("tick:EURUSD", #"{"symbol":"EURUSD","bid":1.1,"ask":1.1002,"spread":0.0002}"#, id: 3), 1)

        let first = try owner.nextJSON()
        XCTAssertEqual(first["type"] as? String, "order_update")
        XCTAssertEqual(first["channel"] as? String, "order:acct-1")
        XCTAssertEqual(first["seq"] as? Int, 1)
        XCTAssertEqual(try owner.nextJSON()["seq"] as? Int, 2)
        XCTAssertEqual(try owner.nextJSON()["type"] as? String, "tick")

        // The other trader's first message is the tick: the orders never came.
        let seen = try other.nextJSON()
        XCTAssertEqual(seen["type"] as? String, "tick")
        XCTAssertEqual(seen["channel"] as? String, "tick:EURUSD")
    }

    func testHostileSubjectsGetNoWildcardThroughSub() throws {
        for subject in ["*", "acct*", "order:*", "{sub}"] {
            let client = try server.session(token: TestServer.token(sub: subject))
            let (granted, _) = try subscribe(client, ["order:*", "order:acct-1", "order:" + subject, "payload:*"])
            XCTAssertFalse(granted.contains("order:*"), subject)
            XCTAssertFalse(granted.contains("order:acct-1"), subject)
            XCTAssertFalse(granted.contains("payload:*"), subject)
        }
    }

    func testChannelsClaimNarrowsAndNeverWidens() throws {
        let narrowed = try server.session(token: TestServer.token(sub: "acct-3", channels: ["tick:EURUSD", "order:acct-1"]))
        let (granted, denied) = try subscribe(narrowed, ["tick:EURUSD", "tick:GBPUSD", "order:acct-1", "order:acct-3"])
        XCTAssertEqual(granted, ["tick:EURUSD"])
        XCTAssertEqual(Set(denied), ["tick:GBPUSD", "order:acct-1", "order:acct-3"])
    }

    func testTradersCannotPublish() throws {
        let trader = try server.session(token: TestServer.token(sub: "acct-1"))
        try trader.sendText(#"{"type":"publish","id":5,"channel":"order:acct-1","data":{"status":"filled"}}"#)
        let answer = try trader.nextJSON()
        XCTAssertEqual(answer["type"] as? String, "error")
        XCTAssertEqual(answer["id"] as? Int, 5)
        XCTAssertEqual((answer["data"] as? [String: Any])?["code"] as? String, "forbidden")
    }

    func testOverlappingSubscriptionsDeliverOnce() throws {
        let trader = try server.session(token: TestServer.token(sub: "acct-1"))
        _ = try subscribe(trader, ["signal:EURUSD", "signal:*", "signal:EUR*"])
        _ = try publish("signal:EURUSD", #"{"symbol":"EURUSD","side":"buy","strength":0.8,"confidence":80,"model":"LSTM"}"#, id: 1)
        XCTAssertEqual(try trader.nextJSON()["type"] as? String, "signal")
        _ = try subscribe(trader, ["tick:EURUSD"], id: 2)
        _ = try publish("tick:EURUSD", #"{"symbol":"EURUSD","bid":1,"ask":1,"spread":0}"#, id: 2)
        let next = try trader.nextJSON()
        XCTAssertEqual(next["type"] as? String, "tick", "the signal came once; next is the tick: \(next)")
        XCTAssertEqual(next["seq"] as? Int, 1)
    }
}
