import Foundation
import XCTest

/// The two stream operations most tests need, over wss.
extension TestClient {
    /// Publishes `data` (a JSON object's text) on `channel`; the ack's seq,
    /// or the error answer as a thrown failure (whose text holds its code).
    @discardableResult
    func publish(_ channel: String, _ data: String = #"{"status":"new"}"#, id: Int = 1) throws -> Int {
        try sendText(#"{"type":"publish","id":\#(id),"channel":"\#(channel)","data":\#(data)}"#)
        while true {
            let answer = try nextJSON()
            if answer["type"] as? String == "ack" { return (answer["data"] as? [String: Any])?["seq"] as? Int ?? -1 }
            if answer["type"] as? String == "error" { throw TestClient.Failure(description: "publish refused: \(answer)") }
        }
    }

    /// Publishes with an idempotency key; the ack's `data` (seq, epoch, duplicate).
    func publishAck(_ channel: String, _ data: String = #"{"status":"new"}"#, id: Int = 1, idempotencyKey: String? = nil) throws -> [String: Any] {
        let key = idempotencyKey.map { #","idempotency_key":"\#($0)""# } ?? ""
        try sendText(#"{"type":"publish","id":\#(id),"channel":"\#(channel)","data":\#(data)\#(key)}"#)
        while true {
            let answer = try nextJSON()
            if answer["type"] as? String == "ack" { return answer["data"] as? [String: Any] ?? [:] }
            if answer["type"] as? String == "error" { throw TestClient.Failure(description: "publish refused: \(answer)") }
        }
    }

    /// Subscribes and checks the answer is `subscribed`. `since` values are
    /// integers (legacy), `{"seq","epoch"}` objects, or wildcard entries.
    func subscribe(_ channels: [String], since: [String: Any]? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        var request: [String: Any] = ["type": "subscribe", "id": 1, "channels": channels]
        if let since { request["since"] = since }
        try sendText(String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self))
        let answer = try nextJSON()
        XCTAssertEqual(answer["type"] as? String, "subscribed", "\(answer)", file: file, line: line)
    }
}
