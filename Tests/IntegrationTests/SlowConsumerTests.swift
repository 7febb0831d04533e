import Foundation
import Synchronization
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
            $0.limits.conflateAfterBytes = 32768
            $0.streams.historyDepth = 5000
            // The stalled reader must still drain what the kernel buffered
            // before it reaches the 4008 close frame; a slow machine (or
            // ThreadSanitizer) can take longer than the default 5 s, and the
            // server then drops the socket without the frame ever leaving.
            $0.limits.closeTimeout = 60
        }
        producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]), timeoutSeconds: 20)
    }
    override func tearDown() { server.stop() }

    private func subscribe(_ client: TestClient, _ channel: String) throws {
        try client.sendText(#"{"type":"subscribe","id":1,"channels":["\#(channel)"]}"#)
        XCTAssertEqual(try client.nextJSON()["type"] as? String, "subscribed")
    }

    /// Publishes `count` messages, reading acks as they come; after each
    /// batch, `paced` may wait (for a reader that must keep up).
    private func publish(_ channel: String, count: Int, paced: (Int) -> Void = { _ in }) throws {
        for i in 1...count {
            try producer.sendText(#"{"type":"publish","id":\#(i),"channel":"\#(channel)","data":{"n":\#(i),"pad":"\#(padding)"}}"#)
            if i % 10 == 0 || i == count {
                var acked = 0
                while acked < (i % 10 == 0 ? 10 : i % 10) {
                    if try producer.nextJSON()["type"] as? String == "ack" { acked += 1 }
                }
                paced(i)
            }
        }
    }

    func testStalledSubscriberGetsConflatedTicksWhileAnotherGetsEveryOne() throws {
        let stalled = try server.session(token: TestServer.token(sub: "acct-1"), timeoutSeconds: 20, receiveBufferBytes: 4096)
        let healthy = try server.session(token: TestServer.token(sub: "acct-2"), timeoutSeconds: 20)
        try subscribe(stalled, "tick:EURUSD")
        try subscribe(healthy, "tick:EURUSD")
        let total = 5000
        let received = Atomic<Int>(0)
        nonisolated(unsafe) var reader: Thread!
        reader = Thread {
            for expected in 1...total {
                let message: [String: Any]
                do { message = try healthy.nextJSON() } catch { return XCTFail("healthy subscriber: \(error) at seq \(expected)") }
                guard message["seq"] as? Int == expected else {
                    return XCTFail("healthy subscriber: expected seq \(expected), got \(message["seq"] ?? "none") \(message["type"] ?? "")")
                }
                received.store(expected, ordering: .relaxed)
            }
        }
        reader.start()
        // The healthy subscriber reads as fast as a debug-built test client
        // can; the publisher waits for it after each batch so that it stays a
        // subscriber that keeps up, while the stalled one never reads.
        try publish("tick:EURUSD", count: total) { published in
            _ = TestServer.eventually(10) { received.load(ordering: .relaxed) >= published || !reader.isExecuting }
        }
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
