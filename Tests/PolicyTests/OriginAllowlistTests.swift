import XCTest
@testable import Policy

final class OriginAllowlistTests: XCTestCase {
    private func policy(_ origins: [String]) throws -> PolicySet {
        let list = origins.map { "\"\($0)\"" }.joined(separator: ",")
        return try PolicySet.parse(documents: [(name: "o.json", json: "{\"origins\": [\(list)]}")])
    }

    func testExactMatchCaseInsensitiveSchemeAndHost() throws {
        let policy = try policy(["https://localhost:8443", "https://Trading.Example.com", "http://[::1]:8080"])
        XCTAssertTrue(policy.isOriginAllowed("https://localhost:8443"))
        XCTAssertTrue(policy.isOriginAllowed("HTTPS://LOCALHOST:8443"))
        XCTAssertTrue(policy.isOriginAllowed("https://trading.example.com"))
        XCTAssertTrue(policy.isOriginAllowed("https://trading.example.com:443"), "default port is the same origin")
        XCTAssertTrue(policy.isOriginAllowed("http://[::1]:8080"))
        for denied in ["http://localhost:8443", "https://localhost", "https://localhost:8444", "https://evil.example.com",
                       "https://trading.example.com.evil.com", "https://localhost:8443/", "https://localhost:8443@evil",
                       "null", "", "https://localhost:08443x", " https://localhost:8443", "https://localhost:+8443"] {
            XCTAssertFalse(policy.isOriginAllowed(denied), denied)
        }
    }

    func testNoOriginsAllowsNoBrowser() throws {
        XCTAssertFalse(try policy([]).isOriginAllowed("https://localhost:8443"))
    }

    func testStarAllowsEverything() throws {
        let open = try policy(["*"])
        XCTAssertTrue(open.isOriginAllowed("https://anything.example"))
        XCTAssertTrue(open.isOriginAllowed("null"))
    }

    func testNormalization() {
        XCTAssertEqual(OriginAllowlist.normalize("HTTP://Example.COM:80"), "http://example.com")
        XCTAssertEqual(OriginAllowlist.normalize("https://example.com:8443"), "https://example.com:8443")
        XCTAssertNil(OriginAllowlist.normalize("ftp://example.com"))
        XCTAssertNil(OriginAllowlist.normalize("https://"))
        XCTAssertNil(OriginAllowlist.normalize("https://example.com:0"))
        XCTAssertNil(OriginAllowlist.normalize("https://example.com:65536"))
        XCTAssertNil(OriginAllowlist.normalize("https://exa mple.com"))
    }
}
