import Foundation
import XCTest

/// Connection policy: 403 and 429 refusals, the Origin allowlist, and rate limits.
final class PolicyEnforcementTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server.stop() }

    private func status(_ headers: [String]) throws -> TestClient.Response {
        try server.upgradeResponse(headers: headers)
    }

    func testUnknownRoleIs403() throws {
        let response = try status(["Authorization: Bearer \(TestServer.token(roles: ["wizard"]))"])
        XCTAssertEqual(response.status, 403)
        XCTAssertTrue(response.body.contains("unknown_role"), response.body)
    }

    func testDisabledClientIs403() throws {
        let response = try status(["Authorization: Bearer \(TestServer.token(sub: "acct-banned"))"])
        XCTAssertEqual(response.status, 403)
        XCTAssertTrue(response.body.contains("disabled"), response.body)
    }

    func testNoRolesIs403() throws {
        XCTAssertEqual(try status(["Authorization: Bearer \(TestServer.token(roles: []))"]).status, 403)
    }

    func testOriginMustBeOnTheAllowlist() throws {
        let token = TestServer.token()
        XCTAssertEqual(try status(["Authorization: Bearer \(token)", "Origin: https://evil.example"]).status, 403)
        XCTAssertEqual(try status(["Authorization: Bearer \(token)", "Origin: https://dashboard.example"]).status, 101)
        XCTAssertEqual(try status(["Authorization: Bearer \(token)"]).status, 101, "no Origin: not a browser, not subject to it")
    }

    func testPerSubjectConnectionCapIs429() throws {
        // trader: max_connections 3.
        let sessions = try (0..<3).map { _ in try server.session(token: TestServer.token(sub: "acct-cap")) }
        let response = try status(["Authorization: Bearer \(TestServer.token(sub: "acct-cap"))"])
        XCTAssertEqual(response.status, 429)
        XCTAssertNotNil(response.header("Retry-After"))
        XCTAssertEqual(try status(["Authorization: Bearer \(TestServer.token(sub: "acct-other"))"]).status, 101)
        _ = sessions
    }

    func testConnectionAttemptsPerAddressAre429WithRetryAfter() throws {
        server.stop()
        server = try TestServer(policies: TestPolicies.with(attemptsPerMinute: 3))
        let token = TestServer.token()
        for _ in 0..<3 { XCTAssertEqual(try status(["Authorization: Bearer \(token)"]).status, 101) }
        let response = try status(["Authorization: Bearer \(token)"])
        XCTAssertEqual(response.status, 429)
        XCTAssertGreaterThan(Int(response.header("Retry-After") ?? "0") ?? 0, 0)
    }

    func testRateLimitAnswersErrorsThenCloses4029WithoutSlowingOthers() throws {
        server.stop()
        server = try TestServer { $0.limits.rateLimitStrikes = 5 }
        let abuser = try server.session(token: TestServer.token(sub: "acct-slow", roles: ["slow"]))
        let bystander = try server.session(token: TestServer.token(sub: "acct-calm"))
        for i in 0..<20 { try abuser.sendText(#"{"type":"ping","id":\#(i)}"#) }
        var pongs = 0, limited = 0
        var limitedIDs: [Int] = []
        var closeCode: UInt16?
        loop: while true {
            switch try abuser.nextEvent() {
            case .text(let bytes):
                let message = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
                if message["type"] as? String == "pong" { pongs += 1 }
                if (message["data"] as? [String: Any])?["code"] as? String == "rate_limited" {
                    limited += 1
                    limitedIDs.append(message["id"] as? Int ?? -1)
                }
            case .close(let code, _): closeCode = code?.rawValue; break loop
            default: continue
            }
        }
        XCTAssertEqual(pongs, 3, "burst of 3")
        XCTAssertEqual(limited, 4, "errors before the fifth strike closes")
        XCTAssertEqual(limitedIDs, [3, 4, 5, 6], "each refusal names the request it refused")
        XCTAssertEqual(closeCode, 4029)
        try bystander.sendText(#"{"type":"ping","id":1}"#)
        XCTAssertEqual(try bystander.nextJSON()["type"] as? String, "pong")
    }
}
