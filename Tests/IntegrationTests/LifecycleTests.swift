import Foundation
import WebSocket
import XCTest

/// Heartbeat and shutdown: what the server does on its own initiative.
final class LifecycleTests: XCTestCase {
    func testServerPingsAndDropsASilentPeerAfterTwoIntervals() throws {
        let server = try TestServer { $0.limits.heartbeatInterval = 1 }
        defer { server.stop() }
        let client = try server.session()
        // The welcome says how often to expect pings.
        guard case .ping = try client.nextEvent() else { return XCTFail("expected a server ping") }
        // Stay silent (no pong): the server must drop the connection.
        let silent = try server.client(timeoutSeconds: 10)
        try silent.upgrade()
        XCTAssertTrue(silent.serverClosesConnection())
    }

    func testAnsweringPingsKeepsTheSessionOpen() throws {
        let server = try TestServer { $0.limits.heartbeatInterval = 1 }
        defer { server.stop() }
        let client = try server.session()
        var pings = 0
        while pings < 4 {
            if case .ping(let payload) = try client.nextEvent() {
                pings += 1
                try client.sendFrame(0xA, payload)
            }
        }
        try client.sendText(#"{"type":"ping","id":1}"#)
        XCTAssertEqual(try client.nextJSON()["type"] as? String, "pong")
    }

    func testShutdownClosesSessionsWith1001() throws {
        let server = try TestServer()
        let client = try server.session()
        let stopper = Thread { server.server.shutdown(gracePeriod: 3) }
        stopper.start()
        XCTAssertEqual(try client.expectClose(), .goingAway)
        try client.sendFrame(0x8, [0x03, 0xe9])
        XCTAssertTrue(TestServer.eventually { server.server.openConnections == 0 })
    }

    func testManyConnectionsAcrossLoops() throws {
        let server = try TestServer(loops: 2)
        defer { server.stop() }
        var clients: [TestClient] = []
        for i in 0..<50 { clients.append(try server.session(token: TestServer.token(sub: "acct-\(i)"))) }
        XCTAssertEqual(server.server.openSessions, 50)
        for (i, c) in clients.enumerated() { try c.sendText(#"{"type":"ping","id":\#(i)}"#) }
        for (i, c) in clients.enumerated() { XCTAssertEqual(try c.nextJSON()["id"] as? Int, i) }
        clients.removeAll()
        XCTAssertTrue(TestServer.eventually { server.server.openConnections == 0 })
    }
}
