import StreamClient
import XCTest

final class SessionEndTests: XCTestCase {
    func testRefusalsThatNeedANewTokenOrPolicyStop() {
        XCTAssertEqual(SessionEnd.refused(status: 401, error: "invalid_token", message: "token expired", retryAfter: nil).decision,
                       .stop(reason: "token rejected (401 invalid_token: token expired)"))
        XCTAssertEqual(SessionEnd.refused(status: 403, error: "unknown_role", message: "no role astronaut", retryAfter: nil).decision,
                       .stop(reason: "forbidden (403 unknown_role: no role astronaut)"))
        XCTAssertEqual(SessionEnd.refused(status: 404, error: "not_found", message: "", retryAfter: nil).decision,
                       .stop(reason: "refused (404 not_found)"))
    }

    func testBusyServersAreRetriedNoSoonerThanRetryAfter() {
        XCTAssertEqual(SessionEnd.refused(status: 503, error: "shutting_down", message: "", retryAfter: 5).decision,
                       .retry(reason: "refused (503 shutting_down)", atLeast: 5))
        XCTAssertEqual(SessionEnd.refused(status: 429, error: "too_many_connections", message: "", retryAfter: 60).decision,
                       .retry(reason: "refused (429 too_many_connections)", atLeast: 60))
    }

    func testCloseCodes() {
        XCTAssertEqual(SessionEnd.closed(code: 4001, reason: "token expired").decision, .stop(reason: "token expired (4001: token expired)"))
        XCTAssertEqual(SessionEnd.closed(code: 4003, reason: "").decision, .stop(reason: "permission withdrawn (4003)"))
        for code: UInt16 in [1000, 1001, 1011, 4008, 4029] {
            guard case .retry = SessionEnd.closed(code: code, reason: "").decision else { return XCTFail("\(code) should be retried") }
        }
        guard case .retry = SessionEnd.closed(code: nil, reason: "").decision else { return XCTFail("empty close") }
        guard case .retry = SessionEnd.failed("connection refused").decision else { return XCTFail("refused TCP") }
    }
}
