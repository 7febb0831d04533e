import Foundation
import XCTest

/// Named limits at their edges: exactly the limit passes, one more is refused
/// with the answer the contract names.
final class LimitEdgeTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server.stop() }

    private func subscribeAnswer(_ client: TestClient, _ channels: [String]) throws -> [String: Any] {
        let list = String(decoding: try JSONSerialization.data(withJSONObject: channels), as: UTF8.self)
        try client.sendText(#"{"type":"subscribe","id":1,"channels":\#(list)}"#)
        return try client.nextJSON()
    }

    func testHundredChannelsPerSubscribeAndNotOneMore() throws {
        let client = try server.session()
        let hundred = (0..<100).map { "tick:S\($0)" }
        XCTAssertEqual(try subscribeAnswer(client, hundred)["type"] as? String, "subscribed")
        let over = try subscribeAnswer(client, hundred + ["tick:S100"])
        XCTAssertEqual(over["type"] as? String, "error")
        XCTAssertEqual((over["data"] as? [String: Any])?["code"] as? String, "bad_request")
    }

    func testChannelNameOf128BytesAndNotOneMore() throws {
        let client = try server.session()
        let name128 = "tick:" + String(repeating: "A", count: 123)
        XCTAssertEqual(name128.utf8.count, 128)
        let answer = try subscribeAnswer(client, [name128])
        XCTAssertEqual((answer["data"] as? [String: Any])?["channels"] as? [String], [name128])
        let over = try subscribeAnswer(client, [name128 + "A"])
        XCTAssertEqual((over["data"] as? [String: Any])?["code"] as? String, "bad_request")
    }

    func testSixtyFourHeaderLinesAndNotOneMore() throws {
        // The upgrade request has 7 lines of its own (Host, Upgrade, Connection, Key, Version, Authorization + pads).
        let base = ["Authorization: Bearer \(TestServer.token())"]
        let fixedLines = 6
        let atLimit = base + (0..<(64 - fixedLines)).map { "X-Pad-\($0): v" }
        XCTAssertEqual(try server.upgradeResponse(headers: atLimit).status, 101)
        XCTAssertEqual(try server.upgradeResponse(headers: atLimit + ["X-Pad-extra: v"]).status, 431)
    }

    func testTokenAtTheSizeLimitPassesAndOneByteMoreIsRefused() throws {
        let token = TestServer.token()
        server.stop()
        server = try TestServer { $0.auth.maxTokenBytes = token.utf8.count }
        XCTAssertEqual(try server.upgradeResponse(headers: ["Authorization: Bearer \(token)"]).status, 101)
        server.stop()
        server = try TestServer { $0.auth.maxTokenBytes = token.utf8.count - 1 }
        XCTAssertEqual(try server.upgradeResponse(headers: ["Authorization: Bearer \(token)"]).status, 401)
    }

    func testRequestBodyLimitIs413() throws {
        server.stop()
        server = try TestServer { $0.limits.maxRequestBodyBytes = 1024 }
        let client = try server.client()
        let body = String(repeating: "x", count: 1025)
        try client.send("POST /api/v1/publish HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        XCTAssertEqual(try client.readResponse().status, 413)
    }
}
