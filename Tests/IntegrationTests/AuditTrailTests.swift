import Audit
import Foundation
import XCTest

/// The audit log after real traffic: every decision is there, the chain
/// verifies, an edited line is found, and no token is ever written.
final class AuditTrailTests: XCTestCase {
    func testDecisionsAreRecordedAndTheChainVerifiesAndDetectsEdits() throws {
        let server = try TestServer()
        let token = TestServer.token(sub: "acct-9", jti: "jti-audit-1")
        let client = try server.session(token: token)
        try client.sendText(#"{"type":"subscribe","id":1,"channels":["tick:EURUSD","order:acct-1"]}"#)
        _ = try client.nextJSON()
        _ = try server.upgradeResponse(headers: ["Authorization: Bearer \(TestServer.token(roles: ["wizard"]))"])
        _ = try server.upgradeResponse(headers: ["Authorization: Bearer garbage.garbage.garbage"])
        try client.sendFrame(0x8, [0x03, 0xe8])
        _ = try client.expectClose()
        XCTAssertTrue(TestServer.eventually { server.server.openSessions == 0 })
        server.stop()

        let text = try String(contentsOfFile: server.auditPath, encoding: .utf8)
        let lines = text.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        func has(_ event: String, _ outcome: String, reason: String? = nil) -> Bool {
            lines.contains { $0["event"] as? String == event && $0["outcome"] as? String == outcome && (reason == nil || $0["reason"] as? String == reason) }
        }
        XCTAssertTrue(has("connect", "accepted"))
        XCTAssertTrue(has("connect", "refused", reason: "unknown_role"))
        XCTAssertTrue(has("connect", "refused", reason: "malformed"), "\(lines.filter { $0["outcome"] as? String == "refused" })")
        XCTAssertTrue(has("subscribe", "granted"))
        XCTAssertTrue(has("subscribe", "denied", reason: "forbidden"))
        XCTAssertTrue(has("disconnect", "closed"))
        let accepted = lines.first { $0["event"] as? String == "connect" && $0["outcome"] as? String == "accepted" }!
        XCTAssertEqual(accepted["subject"] as? String, "acct-9")
        XCTAssertEqual(accepted["jti"] as? String, "jti-audit-1")
        XCTAssertEqual(accepted["kid"] as? String, "test")
        XCTAssertFalse(text.contains(token), "no token in the audit log")
        XCTAssertFalse(text.contains(String(token.split(separator: ".")[2])), "not even a signature")

        XCTAssertNil(AuditVerifier.verify(files: [server.auditPath]).firstProblem)
        let edited = text.replacingOccurrences(of: #""outcome":"refused""#, with: #""outcome":"accepted""#)
        try edited.write(toFile: server.auditPath, atomically: true, encoding: .utf8)
        let report = AuditVerifier.verify(files: [server.auditPath])
        XCTAssertNotNil(report.firstProblem)
    }
}
