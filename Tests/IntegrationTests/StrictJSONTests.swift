import Foundation
import XCTest

/// Client operations are read by the one strict reader: what JSONSerialization
/// used to let through (a repeated name, keeping the last; a trailing comma)
/// is now "not valid JSON", answered like any other malformed message.
final class StrictJSONTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server.stop() }

    private func assertNotJSON(_ client: TestClient, _ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try client.sendText(text)
        let answer = try client.nextJSON()
        XCTAssertEqual(answer["type"] as? String, "error", text, file: file, line: line)
        let data = answer["data"] as? [String: Any]
        XCTAssertEqual(data?["code"] as? String, "bad_request", text, file: file, line: line)
        XCTAssertEqual(data?["message"] as? String, "the message is not valid JSON", text, file: file, line: line)
    }

    func testARepeatedNameOrATrailingCommaIsNotJSON() throws {
        let producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        try assertNotJSON(producer, #"{"type":"ping","id":1,"id":2}"#)
        try assertNotJSON(producer, #"{"type":"ping","id":1,}"#)
        try assertNotJSON(producer, #"{"type":"subscribe","id":1,"channels":["tick:EURUSD"],"channels":["order:acct-1"]}"#)
        // The fast path refuses the repeated `channel`; the general path must not pick one.
        try assertNotJSON(producer, #"{"type":"publish","id":3,"channel":"signal:EURUSD","channel":"order:acct-1","data":{}}"#)
        try producer.sendText(#"{"type":"ping","id":4}"#)
        XCTAssertEqual(try producer.nextJSON()["type"] as? String, "pong", "the session stays open")
    }
}
