import Foundation
import XCTest

/// `--demo`: the simulated market produces all five streams.
final class DemoFeedIntegrationTests: XCTestCase {
    func testDemoFeedProducesAllFiveStreams() throws {
        let server = try TestServer { $0.demo = true }
        defer { server.stop() }
        let trader = try server.session(token: TestServer.token(sub: "demo-1"), timeoutSeconds: 30)
        try trader.sendText(#"{"type":"subscribe","id":1,"channels":["tick:*","signal:*","idea:*","order:demo-1","payload:demo-1"]}"#)
        var seen: Set<String> = []
        let deadline = Date().addingTimeInterval(40)
        while seen.count < 6 && Date() < deadline {
            let message = try trader.nextJSON()
            if let type = message["type"] as? String { seen.insert(type) }
            if let channel = message["channel"] as? String, channel.hasPrefix("order:") || channel.hasPrefix("payload:") {
                XCTAssertTrue(channel.hasSuffix(":demo-1"), "private streams of other accounts never reach demo-1: \(channel)")
            }
        }
        XCTAssertEqual(seen, ["subscribed", "tick", "signal", "idea", "order_update", "prepared_payload"])
    }
}
