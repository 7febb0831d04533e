import XCTest

@testable import WebSocket

/// RFC 6455 §7.4 and protocol.md §5.
final class CloseCodeTests: XCTestCase {
    func testNamedCodes() {
        XCTAssertEqual(CloseCode.normal.rawValue, 1000)
        XCTAssertEqual(CloseCode.goingAway.rawValue, 1001)
        XCTAssertEqual(CloseCode.protocolError.rawValue, 1002)
        XCTAssertEqual(CloseCode.unsupportedData.rawValue, 1003)
        XCTAssertEqual(CloseCode.noStatus.rawValue, 1005)
        XCTAssertEqual(CloseCode.abnormal.rawValue, 1006)
        XCTAssertEqual(CloseCode.invalidPayload.rawValue, 1007)
        XCTAssertEqual(CloseCode.policyViolation.rawValue, 1008)
        XCTAssertEqual(CloseCode.messageTooBig.rawValue, 1009)
        XCTAssertEqual(CloseCode.mandatoryExtension.rawValue, 1010)
        XCTAssertEqual(CloseCode.internalError.rawValue, 1011)
        XCTAssertEqual(CloseCode.tokenExpired.rawValue, 4001)
        XCTAssertEqual(CloseCode.permissionWithdrawn.rawValue, 4003)
        XCTAssertEqual(CloseCode.slowConsumer.rawValue, 4008)
        XCTAssertEqual(CloseCode.rateLimited.rawValue, 4029)
    }

    func testValidityTable() {
        let valid: [UInt16] = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4001, 4999]
        let invalid: [UInt16] = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]
        for code in valid { XCTAssertTrue(CloseCode(code).isAllowedOnWire, "\(code)") }
        for code in invalid { XCTAssertFalse(CloseCode(code).isAllowedOnWire, "\(code)") }
        for code in [CloseCode.tokenExpired, .permissionWithdrawn, .slowConsumer, .rateLimited] {
            XCTAssertTrue(code.isAllowedOnWire)
        }
    }

    func testDescriptionNamesTheCode() {
        XCTAssertEqual(CloseCode.messageTooBig.description, "1009 (message too big)")
        XCTAssertEqual(CloseCode(3123).description, "3123")
    }
}
