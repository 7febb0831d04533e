import Foundation
import XCTest

/// A subscriber that stops reading: ticks conflate (it gets the newest price,
/// never a stale backlog), order updates are never dropped (it is closed with
/// 4008 and recovers with `since`), and a second subscriber on the same
/// channel receives every message in order meanwhile.
final class SlowConsumerTests: XCTestCase {
    var server: TestServer!
    var producer: TestClient!
    let padding = String(repeating: "p", count: 2000)

    override func setUpWithError() throws {
        server = try TestServer {
            $0.limits.maxOutboundBytes = 65536
            $0.streams.historyDepth = 5000
        }
        producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]), timeoutSeconds: 20)
    }
    override func tearDown() { server.stop() }

    private func subscribe(_ client: TestClient, _ channel: String) throws {
        try client.sendText(#"{"type":"subscribe","id":1,"channels":["\#(channel)"]}"#)
        XCTAssertEqual(try client.nextJSON()["type"] as? String, "subscribed")
    }

    /// Publishes `count` messages, reading acks as they come.
    private func publish(_ channel: String, count: Int) throws {
        for i in 1...count {
            try producer.sendText(#"{"type":"publish","id":\#(i),"channel":"\#(channel)","data":{"n":\#(i),"pad":"\#(padding)"}}"#)
            if i % 50 == 0 || i == count {
                var acked = 0
                while acked < (i % 50 == 0 ? 50 : i % 50) {
                    if try producer.nextJSON()["type"] as? String == "ack" { acked += 1 }
                }
            }
        }
    }

    func testStalledSubscriberGetsConflatedTicksWhileAnotherGetsEveryOne() throws {
        let stalled = try server.session(token: TestServer.token(sub: "acct-1"), timeoutSeconds: 20, receiveBufferBytes: 4096)
        let healthy = try server.session(token: TestServer.token(sub: "acct-2"), timeoutSeconds: 20)
        try subscribe(stalled, "tick:EURUSD")
        try subscribe(healthy, "tick:EURUSD")
        let total = 5000
        let reader = Thread {
            for expected in 1...total {
                guard let message = try? healthy.nextJSON(), message["seq"] as? Int == expected else {
                    return XCTFail("healthy subscriber: expected seq \(expected)")
                }
            }
        }
        reader.start()
        try publish("tick:EURUSD", count: total)
        // Now read the stalled one: fewer messages, in increasing seq order, ending with the newest.
        var seqs: [Int] = []
        while seqs.last != total {
            let message = try stalled.nextJSON()
            seqs.append(message["seq"] as! Int)
        }
        XCTAssertLessThan(seqs.count, total, "ticks were conflated")
        XCTAssertEqual(seqs, seqs.sorted(), "never out of order")
        while reader.isExecuting { usleep(10_000) }
    }

    func testStalledSubscriberOnOrdersIsClosedWith4008AndRecoversWithSince() throws {
        let stalled = try server.session(token: TestServer.token(sub: "acct-1"), timeoutSeconds: 20, receiveBufferBytes: 4096)
        let watcher = try server.session(token: TestServer.token(sub: "ops", roles: ["producer"]), timeoutSeconds: 20)
        _ = watcher
        try subscribe(stalled, "order:acct-1")
        let total = 3000
        try publish("order:acct-1", count: total)
        var lastSeq = 0
        var code: UInt16?
        loop: while true {
            switch try stalled.nextEvent() {
            case .text(let bytes):
                let message = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
                if let seq = message["seq"] as? Int {
                    XCTAssertEqual(seq, lastSeq + 1, "no gaps before the close")
                    lastSeq = seq
                }
            case .close(let closeCode, _): code = closeCode?.rawValue; break loop
            default: continue
            }
        }
        XCTAssertEqual(code, 4008)
        XCTAssertLessThan(lastSeq, total)
        let back = try server.session(token: TestServer.token(sub: "acct-1"), timeoutSeconds: 20)
        try back.sendText(#"{"type":"subscribe","id":2,"channels":["order:acct-1"],"since":{"order:acct-1":\#(lastSeq)}}"#)
        XCTAssertEqual(try back.nextJSON()["type"] as? String, "subscribed")
        for expected in (lastSeq + 1)...total {
            let message = try back.nextJSON()
            guard message["seq"] as? Int == expected else { return XCTFail("expected seq \(expected), got \(message)") }
        }
    }
}
