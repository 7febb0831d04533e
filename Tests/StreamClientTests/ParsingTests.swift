import StreamClient
import XCTest

final class ParsingTests: XCTestCase {
    func testStreamMessageEnvelope() throws {
        let text = #"{"type":"order_update","channel":"order:acct-1","seq":42,"timestamp":"2026-01-01T08:00:01.123Z","data":{"order_id":"ORD-1","price":1.085}}"#
        let message = try XCTUnwrap(StreamMessage(json: text))
        XCTAssertEqual(message.type, "order_update")
        XCTAssertEqual(message.channel, "order:acct-1")
        XCTAssertEqual(message.seq, 42)
        XCTAssertEqual(message.timestamp, "2026-01-01T08:00:01.123Z")
        XCTAssertTrue(message.isStreamMessage)
        XCTAssertEqual(message.data["order_id"] as? String, "ORD-1")
        XCTAssertEqual(message.json, text)
    }

    func testRepliesKeepTheirIDAsJSONText() throws {
        XCTAssertEqual(StreamMessage(json: #"{"type":"ack","id":7,"data":{"seq":3}}"#)?.id, "7")
        XCTAssertEqual(StreamMessage(json: #"{"type":"pong","id":"hb-1","data":{}}"#)?.id, #""hb-1""#)
        XCTAssertEqual(StreamMessage(json: #"{"type":"ack","id":7,"data":{}}"#)?.isStreamMessage, false)
    }

    func testNotAMessage() {
        XCTAssertNil(StreamMessage(json: "[1,2]"))
        XCTAssertNil(StreamMessage(json: #"{"type":1}"#))
        XCTAssertNil(StreamMessage(json: "not json"))
    }

    func testEndpoints() throws {
        let endpoint = try StreamEndpoint(url: "wss://127.0.0.1:8443/ws")
        XCTAssertEqual(endpoint, try StreamEndpoint(url: "wss://localhost:8443/ws"))
        XCTAssertEqual(endpoint.port, 8443)
        XCTAssertEqual(endpoint.path, "/ws")
        XCTAssertEqual(try StreamEndpoint(url: "wss://stream.example").port, 443)
        XCTAssertEqual(try StreamEndpoint(url: "wss://[::1]:9000/ws").authority, "[::1]:9000")
        XCTAssertThrowsError(try StreamEndpoint(url: "ws://127.0.0.1:8443/ws"), "plain ws is refused: the server speaks TLS only")
        XCTAssertThrowsError(try StreamEndpoint(url: "wss://127.0.0.1:x/ws"))
    }
}
