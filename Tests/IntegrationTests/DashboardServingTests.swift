import Foundation
import StreamClient
import XCTest

/// The dashboard's static files: served from memory with the right content
/// types and a strict Content-Security-Policy; its page may connect back.
final class DashboardServingTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server.stop() }

    private func get(_ path: String) throws -> HTTPAnswer {
        let http = try BlockingTLSConnection(host: "127.0.0.1", port: server.port, caPath: server.caPath)
        return try http.exchange(method: "GET", path: path, host: "127.0.0.1:\(server.port)")
    }

    func testPageAndAssetsAreServedWithSecurityHeaders() throws {
        let page = try get("/")
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.header("Content-Type"), "text/html; charset=utf-8")
        XCTAssertTrue(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        XCTAssertEqual(page.header("X-Content-Type-Options"), "nosniff")
        XCTAssertTrue(page.bodyText.contains("/assets/app.js"))
        for (path, type) in [("/assets/app.js", "text/javascript; charset=utf-8"), ("/assets/stream-client.js", "text/javascript; charset=utf-8"),
                             ("/assets/app.css", "text/css; charset=utf-8")] {
            let asset = try get(path)
            XCTAssertEqual(asset.status, 200, path)
            XCTAssertEqual(asset.header("Content-Type"), type, path)
            XCTAssertFalse(asset.body.isEmpty, path)
        }
        XCTAssertEqual(try get("/assets/../Package.swift").status, 404)
        XCTAssertEqual(try get("/assets/nope.js").status, 404)
    }

    func testTheServedPageMayConnectBackButOtherOriginsMayNot() throws {
        let token = TestServer.token()
        let sameOrigin = try server.upgradeResponse(headers: ["Authorization: Bearer \(token)", "Origin: https://127.0.0.1"])
        XCTAssertEqual(sameOrigin.status, 101, "Host is 127.0.0.1 in the test request: same origin")
        let elsewhere = try server.upgradeResponse(headers: ["Authorization: Bearer \(token)", "Origin: https://127.0.0.1.evil.example"])
        XCTAssertEqual(elsewhere.status, 403)
    }
}
