import Foundation
import XCTest

/// Token expiry (4001), refresh, and policy reloads that narrow or withdraw
/// what a live session may do (4003).
final class SessionLifetimeTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server.stop() }

    func testSessionClosesWith4001WhenTheTokenExpires() throws {
        let client = try server.session(token: TestServer.token(ttl: 2), timeoutSeconds: 10)
        XCTAssertEqual(try client.expectClose()?.rawValue, 4001)
    }

    func testRefreshWithANewTokenKeepsTheSessionOpen() throws {
        let client = try server.session(token: TestServer.token(ttl: 2), timeoutSeconds: 10)
        try client.sendText(#"{"type":"refresh","id":5,"token":"\#(TestServer.token(ttl: 3600))"}"#)
        let answer = try client.nextJSON()
        XCTAssertEqual(answer["type"] as? String, "refreshed")
        XCTAssertEqual(answer["id"] as? Int, 5)
        XCTAssertNotNil((answer["data"] as? [String: Any])?["expires_at"] as? String)
        sleep(3)
        try client.sendText(#"{"type":"ping","id":6}"#)
        XCTAssertEqual(try client.nextJSON()["type"] as? String, "pong")
    }

    func testRefreshForAnotherSubjectIsForbiddenAndChangesNothing() throws {
        let client = try server.session(token: TestServer.token(sub: "acct-1", ttl: 2), timeoutSeconds: 10)
        try client.sendText(#"{"type":"refresh","id":7,"token":"\#(TestServer.token(sub: "acct-2"))"}"#)
        let answer = try client.nextJSON()
        XCTAssertEqual((answer["data"] as? [String: Any])?["code"] as? String, "forbidden")
        XCTAssertEqual(try client.expectClose()?.rawValue, 4001, "the old expiry still applies")
    }

    func testInvalidRefreshTokenIsForbidden() throws {
        let client = try server.session()
        try client.sendText(#"{"type":"refresh","id":8,"token":"garbage"}"#)
        XCTAssertEqual((try client.nextJSON()["data"] as? [String: Any])?["code"] as? String, "forbidden")
    }

    private func rewriteRoles(_ transform: (String) -> String) throws {
        let path = server.policyDirectory + "/roles.json"
        try transform(TestPolicies.roles).write(toFile: path, atomically: true, encoding: .utf8)
    }

    func testReloadThatRemovesAChannelUnsubscribesLiveSessions() throws {
        let viewer = try server.session(token: TestServer.token(sub: "v1", roles: ["viewer"]))
        try viewer.sendText(#"{"type":"subscribe","id":1,"channels":["tick:EURUSD"]}"#)
        XCTAssertEqual(try viewer.nextJSON()["type"] as? String, "subscribed")
        try rewriteRoles { $0.replacingOccurrences(of: #""viewer": {"subscribe": ["tick:*"]"#, with: #""viewer": {"subscribe": ["idea:*"]"#) }
        XCTAssertNil(server.server.reloadAccessRules(trigger: "test"))
        let notice = try viewer.nextJSON()
        XCTAssertEqual(notice["type"] as? String, "unsubscribed")
        XCTAssertEqual((notice["data"] as? [String: Any])?["channels"] as? [String], ["tick:EURUSD"])
        XCTAssertEqual((notice["data"] as? [String: Any])?["reason"] as? String, "permission_withdrawn")
    }

    func testReloadThatRemovesTheRoleClosesWith4003() throws {
        let viewer = try server.session(token: TestServer.token(sub: "v1", roles: ["viewer"]))
        try rewriteRoles { $0.replacingOccurrences(of: #""viewer": {"subscribe": ["tick:*"], "publish": []},"#, with: "") }
        XCTAssertNil(server.server.reloadAccessRules(trigger: "test"))
        XCTAssertEqual(try viewer.expectClose()?.rawValue, 4003)
    }

    func testABadPolicyFileKeepsTheOldPolicy() throws {
        try rewriteRoles { $0.replacingOccurrences(of: #""max_connections": 3"#, with: #""max_connections": "three""#) }
        let problem = server.server.reloadAccessRules(trigger: "test")
        XCTAssertNotNil(problem)
        XCTAssertTrue(problem?.contains("roles.json") == true && problem?.contains("max_connections") == true, problem ?? "")
        _ = try server.session()
    }

    func testAChangedFileIsPickedUpWithoutASignal() throws {
        server.server.watchAccessRules(interval: 0.2)
        let viewer = try server.session(token: TestServer.token(sub: "v1", roles: ["viewer"]))
        sleep(1)  // a distinct mtime second for filesystems with coarse timestamps
        try rewriteRoles { $0.replacingOccurrences(of: #""viewer": {"subscribe": ["tick:*"], "publish": []},"#, with: "") }
        XCTAssertEqual(try viewer.expectClose()?.rawValue, 4003)
    }
}
