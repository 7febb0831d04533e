import Foundation
import TLS
import XCTest

/// Every token refusal of the contract's table, made to happen against the
/// real server. Two keys are configured: "test" (ES256) and "h1" (HS256, so
/// tests can sign arbitrary claims by hand).
final class AuthenticationTests: XCTestCase {
    static let hmacSecret = Array("integration-hmac-secret-0123456789abcdef".utf8)
    var server: TestServer!

    override func setUpWithError() throws {
        let secretPath = TestServer.workDirectory + "/h1.secret"
        try Data(AuthenticationTests.hmacSecret).write(to: URL(fileURLWithPath: secretPath))
        server = try TestServer { config in
            config.auth.keys.append(.init(kid: "h1", algorithm: .hs256, path: secretPath))
        }
    }
    override func tearDown() { server.stop() }

    private func refusal(_ token: String, file: StaticString = #filePath, line: UInt = #line) throws -> TestClient.Response {
        try server.upgradeResponse(headers: ["Authorization: Bearer \(token)"])
    }

    private func assertInvalidToken(_ token: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let response = try refusal(token)
        XCTAssertEqual(response.status, 401, "\(name): \(response.body)", file: file, line: line)
        XCTAssertTrue(response.header("WWW-Authenticate")?.contains(#"error="invalid_token""#) == true,
                      "\(name): \(response.header("WWW-Authenticate") ?? "no header")", file: file, line: line)
        XCTAssertEqual(response.header("Content-Type"), "application/json", file: file, line: line)
        let body = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: String]
        XCTAssertEqual(body?["error"], "invalid_token", name, file: file, line: line)
        XCTAssertFalse(response.body.contains(token), "the answer must not echo the token", file: file, line: line)
    }

    private func h1(_ claims: String, header: String = #"{"alg":"HS256","typ":"JWT","kid":"h1"}"#) -> String {
        HandMadeJWT.hs256(header: header, claims: claims, secret: AuthenticationTests.hmacSecret)
    }

    func testValidTokensAreAcceptedFromBothKeys() throws {
        _ = try server.session(token: TestServer.token())
        let handMade = try server.session(token: h1(HandMadeJWT.claims()))
        XCTAssertEqual((handMade.welcome["data"] as? [String: Any])?["subject"] as? String, "acct-1")
    }

    func testMissingTokenIs401WithARealmAndNoErrorCode() throws {
        let response = try server.upgradeResponse(headers: [])
        XCTAssertEqual(response.status, 401)
        XCTAssertEqual(response.header("WWW-Authenticate"), #"Bearer realm="streamd""#)
    }

    func testEveryInvalidTokenIsRefusedWith401() throws {
        let now = HandMadeJWT.now
        let publicPEM = try String(contentsOfFile: TestServer.signingKey.publicPath, encoding: .utf8)
        let good = TestServer.token()
        var flipped = Array(good)
        flipped[flipped.count - 5] = flipped[flipped.count - 5] == "A" ? "B" : "A"
        let attacks: [(String, String)] = [
            ("expired", h1(HandMadeJWT.claims(exp: now - 120))),
            ("not yet valid", h1(HandMadeJWT.claims(extra: #","nbf":\#(now + 600)"#))),
            ("issued in the future", h1(#"{"sub":"acct-1","exp":\#(now + 7200),"iat":\#(now + 3600),"roles":["trader"]}"#)),
            ("bad signature", String(flipped)),
            ("signed with another secret", HandMadeJWT.hs256(header: #"{"alg":"HS256","kid":"h1"}"#, claims: HandMadeJWT.claims(), secret: Array("another-secret-another-secret-xx".utf8))),
            ("unknown kid", HandMadeJWT.hs256(header: #"{"alg":"HS256","kid":"nope"}"#, claims: HandMadeJWT.claims(), secret: AuthenticationTests.hmacSecret)),
            ("no kid with two keys", HandMadeJWT.hs256(header: #"{"alg":"HS256"}"#, claims: HandMadeJWT.claims(), secret: AuthenticationTests.hmacSecret)),
            ("alg none", HandMadeJWT.unsigned(header: #"{"alg":"none","kid":"test"}"#, claims: HandMadeJWT.claims())),
            ("alg none lowercase kid h1", HandMadeJWT.unsigned(header: #"{"alg":"none","kid":"h1"}"#, claims: HandMadeJWT.claims())),
            ("HS256 with the ES256 public key as secret", HandMadeJWT.hs256(header: #"{"alg":"HS256","kid":"test"}"#, claims: HandMadeJWT.claims(), secret: Array(publicPEM.utf8))),
            ("ES256 header on the HMAC key", h1(HandMadeJWT.claims(), header: #"{"alg":"ES256","kid":"h1"}"#)),
            ("sub is a number", h1(#"{"sub":42,"exp":\#(now + 600),"roles":["trader"]}"#)),
            ("exp is a string", h1(#"{"sub":"acct-1","exp":"\#(now + 600)","roles":["trader"]}"#)),
            ("roles is a string", h1(#"{"sub":"acct-1","exp":\#(now + 600),"roles":"trader"}"#)),
            ("channels is an object", h1(HandMadeJWT.claims(extra: #","channels":{"a":1}"#))),
            ("no exp", h1(#"{"sub":"acct-1","roles":["trader"]}"#)),
            ("no sub", h1(#"{"exp":\#(now + 600),"roles":["trader"]}"#)),
            ("unknown crit header", h1(HandMadeJWT.claims(), header: #"{"alg":"HS256","kid":"h1","crit":["exp"]}"#)),
            ("two segments", "abc.def"),
            ("garbage", "not-a-token"),
        ]
        for (name, token) in attacks { try assertInvalidToken(token, name) }
    }

    func testJKUHeaderIsIgnoredNotFetched() throws {
        let token = h1(HandMadeJWT.claims(), header: #"{"alg":"HS256","kid":"h1","jku":"https://attacker.example/keys"}"#)
        _ = try server.session(token: token)
    }

    func testOversizedTokenIsRefused() throws {
        server.stop()
        server = try TestServer { $0.auth.maxTokenBytes = 1024 }
        let big = TestServer.token(channels: (0..<60).map { "tick:SYMBOL\($0)" })
        XCTAssertGreaterThan(big.utf8.count, 1024)
        try assertInvalidToken(big, "oversized")
    }

    func testWrongIssuerAndAudienceAreRefused() throws {
        server.stop()
        server = try TestServer { $0.auth.issuer = "streamd-test"; $0.auth.audience = "traders" }
        let issuer = TestServer.issuer
        let now = HandMadeJWT.now
        let wrongIssuer = try issuer.issue(subject: "acct-1", roles: ["trader"], ttlSeconds: 600, now: now, issuer: "other", audience: "traders")
        let wrongAudience = try issuer.issue(subject: "acct-1", roles: ["trader"], ttlSeconds: 600, now: now, issuer: "streamd-test", audience: "others")
        let right = try issuer.issue(subject: "acct-1", roles: ["trader"], ttlSeconds: 600, now: now, issuer: "streamd-test", audience: "traders")
        try assertInvalidToken(wrongIssuer, "wrong iss")
        try assertInvalidToken(wrongAudience, "wrong aud")
        _ = try server.session(token: right)
    }

    func testRevokedTokenIsRefused() throws {
        server.stop()
        let revocations = TestServer.workDirectory + "/revoked-\(UUID().uuidString.prefix(6))"
        try "# revoked\nstolen-1\n".write(toFile: revocations, atomically: true, encoding: .utf8)
        server = try TestServer { $0.auth.revocationFile = revocations }
        try assertInvalidToken(TestServer.token(jti: "stolen-1"), "revoked")
        _ = try server.session(token: TestServer.token(jti: "fine-1"))
    }

    func testSubprotocolTokenIsAnsweredWithStreamV1AndNeverEchoed() throws {
        let token = TestServer.token()
        let client = try server.client()
        let response = try client.upgrade(extraHeaders: ["Sec-WebSocket-Protocol: stream.v1, bearer.\(token)"])
        XCTAssertEqual(response.header("Sec-WebSocket-Protocol"), "stream.v1")
        XCTAssertFalse(response.headers.contains { $0.1.contains(token) })
    }

    func testQueryTokenIsRefusedUnlessEnabled() throws {
        let token = TestServer.token()
        let refused = try server.upgradeResponse(headers: [], path: "/ws?access_token=\(token)")
        XCTAssertEqual(refused.status, 401)
        server.stop()
        server = try TestServer { $0.auth.allowQueryToken = true }
        let client = try server.client()
        try client.send(TestClient.upgradeRequest(path: "/ws?access_token=\(token)"))
        XCTAssertEqual(try client.readResponse().status, 101)
    }
}
