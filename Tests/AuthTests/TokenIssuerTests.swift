import Auth
import XCTest

/// Tokens we sign must verify with our verifier (and, checked once by hand
/// when this was written, with PyJWT).
final class TokenIssuerTests: XCTestCase {
    func testES256RoundTripWithTheFixturePrivateKey() throws {
        let issuer = try TokenIssuer(kid: "k1", algorithm: .es256, privateKeyPath: Fixture.path("k1.priv.pem"))
        let token = try issuer.issue(subject: "acct-9", roles: ["trader", "viewer"], channels: ["order:{sub}"],
                                     ttlSeconds: 900, now: Fixture.now, issuer: Fixture.issuer,
                                     audience: Fixture.audience, tokenID: "issued-1")
        XCTAssertEqual(try Fixture.header(of: token), ["alg": "ES256", "typ": "JWT", "kid": "k1"])

        let claims = try Fixture.verifier().verify(token, now: Fixture.now).get()
        XCTAssertEqual(claims, Claims(
            subject: "acct-9", expiresAt: Fixture.now + 900, issuedAt: Fixture.now, notBefore: nil,
            issuer: Fixture.issuer, audience: [Fixture.audience], tokenID: "issued-1",
            roles: ["trader", "viewer"], channels: ["order:{sub}"], keyID: "k1"))
        XCTAssertEqual(try Fixture.verifier().verify(token, now: Fixture.now + 930), .failure(.expired))
    }

    func testRS256AndHS256RoundTrips() throws {
        let open = TokenVerifier(keyRing: try Fixture.ring(), settings: VerifierSettings())
        for (kid, algorithm, file) in [("r1", JWTAlgorithm.rs256, "r1.priv.pem"), ("h1", .hs256, "h1.secret")] {
            let issuer = try TokenIssuer(kid: kid, algorithm: algorithm, privateKeyPath: Fixture.path(file))
            let token = try issuer.issue(subject: "acct-1", roles: [], ttlSeconds: 60, now: Fixture.now)
            let claims = try open.verify(token, now: Fixture.now).get()
            XCTAssertEqual(claims.keyID, kid)
            XCTAssertNil(claims.channels)
            XCTAssertEqual(claims.roles, [])
        }
    }

    func testRandomTokenIDsAreSixteenHexDigits() throws {
        let issuer = try TokenIssuer(kid: "k1", algorithm: .es256, privateKeyPath: Fixture.path("k1.priv.pem"))
        let open = TokenVerifier(keyRing: try Fixture.ring(), settings: VerifierSettings())
        var seen: Set<String> = []
        for _ in 0..<4 {
            let token = try issuer.issue(subject: "acct-1", roles: ["trader"], ttlSeconds: 60, now: Fixture.now)
            let id = try XCTUnwrap(open.verify(token, now: Fixture.now).get().tokenID)
            XCTAssertEqual(id.count, 16)
            XCTAssertTrue(id.allSatisfy(\.isHexDigit), id)
            seen.insert(id)
        }
        XCTAssertEqual(seen.count, 4)
    }

    /// A token signed by the k2 private key but labelled k1 is refused.
    func testIssuerUnderTheWrongKidDoesNotVerify() throws {
        let forged = try TokenIssuer(kid: "k1", algorithm: .es256, privateKeyPath: Fixture.path("k2.priv.pem"))
        let token = try forged.issue(subject: "acct-1", roles: [], ttlSeconds: 60, now: Fixture.now)
        XCTAssertEqual(TokenVerifier(keyRing: try Fixture.ring(), settings: VerifierSettings())
            .verify(token, now: Fixture.now), .failure(.badSignature))
    }

    func testIssuerKeyMistakesAreNamed() {
        let cases: [(String, JWTAlgorithm, String, String)] = [
            ("public key given to sign", .es256, "k1.pub.pem", "holds a public key; signing needs the private key"),
            ("RSA key for ES256", .es256, "r1.priv.pem", "holds a 0-bit RSA key, which cannot sign ES256"),
            ("EC key for RS256", .rs256, "k1.priv.pem", "holds an EC P-256 key, which cannot sign RS256"),
            ("short secret", .hs256, "short.secret", "holds a 20-byte secret; HS256 needs at least 32 bytes"),
            ("PEM as secret", .hs256, "k1.priv.pem",
             "looks like a PEM file; an HS256 secret must be random bytes, never a key file"),
        ]
        for (mistake, algorithm, file, problem) in cases {
            XCTAssertThrowsError(try TokenIssuer(kid: "x", algorithm: algorithm, privateKeyPath: Fixture.path(file)), mistake) {
                XCTAssertEqual(($0 as? AuthConfigurationError)?.description, "x: \(Fixture.path(file)) \(problem)", mistake)
            }
        }
    }

    func testIssueRefusesNonsense() throws {
        let issuer = try TokenIssuer(kid: "k1", algorithm: .es256, privateKeyPath: Fixture.path("k1.priv.pem"))
        XCTAssertThrowsError(try issuer.issue(subject: "", roles: [], ttlSeconds: 60, now: Fixture.now))
        XCTAssertThrowsError(try issuer.issue(subject: "a", roles: [], ttlSeconds: 0, now: Fixture.now))
        XCTAssertThrowsError(try issuer.issue(subject: "a", roles: [], ttlSeconds: .max, now: Fixture.now))
    }
}
