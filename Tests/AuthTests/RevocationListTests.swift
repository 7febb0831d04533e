import Auth
import XCTest

final class RevocationListTests: XCTestCase {
    func testOneIDPerLineIgnoringCommentsAndBlanks() throws {
        XCTAssertEqual(try RevocationList.load(path: Fixture.path("revoked.txt")), ["revoked-jti-1", "revoked-jti-2"])
    }

    func testMissingFileIsNamed() {
        XCTAssertThrowsError(try RevocationList.load(path: "/nonexistent/revoked.txt")) {
            XCTAssertEqual(($0 as? AuthConfigurationError)?.description,
                           "revocation list /nonexistent/revoked.txt: No such file or directory")
        }
    }
}
