import Auth
import XCTest

/// Tokens PyJWT signed that must verify, and the edges of the time checks.
final class TokenVerifierTests: XCTestCase {
    private func claims(_ fixture: String, verifier: TokenVerifier? = nil, now: Int64 = Fixture.now,
                        file: StaticString = #filePath, line: UInt = #line) throws -> Claims {
        let verifier = try verifier ?? Fixture.verifier()
        switch verifier.verify(Fixture.token(fixture), now: now) {
        case .success(let claims): return claims
        case .failure(let rejection):
            XCTFail("\(fixture) rejected: \(rejection)", file: file, line: line)
            throw rejection
        }
    }

    func testPyJWTTokensVerifyWithEachAlgorithm() throws {
        for (fixture, kid) in [("valid_es256", "k1"), ("valid_rs256", "r1"), ("valid_hs256", "h1")] {
            let claims = try claims(fixture)
            XCTAssertEqual(claims, Claims(
                subject: "acct-1", expiresAt: Fixture.expiresAt, issuedAt: Fixture.issuedAt, notBefore: nil,
                issuer: Fixture.issuer, audience: [Fixture.audience], tokenID: "jti-ok",
                roles: ["trader"], channels: ["tick:*"], keyID: kid), fixture)
        }
    }

    func testKidSelectsAmongSeveralKeysOfOneAlgorithm() throws {
        let claims = try claims("valid_es256_k2")
        XCTAssertEqual(claims.subject, "acct-2")
        XCTAssertEqual(claims.keyID, "k2")
    }

    func testAudienceArrayContainingOursIsAccepted() throws {
        XCTAssertEqual(try claims("aud_array_with_ours").audience, ["other", Fixture.audience])
    }

    /// jku and x5u point at an attacker's server; they are ignored, never
    /// fetched, and the local key still decides.
    func testKeyURLHeadersAreIgnored() throws {
        XCTAssertEqual(try claims("jku_header_ignored").keyID, "k1")
    }

    func testMissingKidIsServedByASingleKeyRing() throws {
        let single = try Fixture.verifier([Fixture.allKeys[0]])
        XCTAssertEqual(try claims("missing_kid", verifier: single).keyID, "k1")
    }

    func testMinimalTokenHasDefaultsAndNeedsNoIssuerWhenNoneConfigured() throws {
        let open = TokenVerifier(keyRing: try Fixture.ring(), settings: VerifierSettings())
        let claims = try claims("valid_minimal", verifier: open)
        XCTAssertEqual(claims, Claims(subject: "acct-min", expiresAt: Fixture.expiresAt, keyID: "k1"))
        XCTAssertEqual(claims.roles, [])
        XCTAssertNil(claims.channels)

        let strict = try Fixture.verifier()
        XCTAssertEqual(strict.verify(Fixture.token("valid_minimal"), now: Fixture.now), .failure(.missingClaim("iss")))
        var audienceOnly = VerifierSettings(audience: Fixture.audience)
        audienceOnly.leewaySeconds = 0
        XCTAssertEqual(TokenVerifier(keyRing: try Fixture.ring(), settings: audienceOnly)
            .verify(Fixture.token("valid_minimal"), now: Fixture.now), .failure(.missingClaim("aud")))
    }

    /// RFC 7519 NumericDate may be fractional: exp rounds down, iat/nbf up.
    func testFractionalTimesRoundTowardsTheSaferSide() throws {
        let claims = try claims("valid_float_times")
        XCTAssertEqual(claims.expiresAt, Fixture.expiresAt)
        XCTAssertEqual(claims.issuedAt, Fixture.issuedAt + 1)
        XCTAssertEqual(claims.notBefore, Fixture.issuedAt)
    }

    func testExpiryEdgeWithLeeway() throws {
        let verifier = try Fixture.verifier()
        let token = Fixture.token("valid_es256")
        XCTAssertNoThrow(try verifier.verify(token, now: Fixture.expiresAt + 29).get())
        XCTAssertEqual(verifier.verify(token, now: Fixture.expiresAt + 30), .failure(.expired))

        var noLeeway = try Fixture.settings()
        noLeeway.leewaySeconds = 0
        let strict = TokenVerifier(keyRing: try Fixture.ring(), settings: noLeeway)
        XCTAssertNoThrow(try strict.verify(token, now: Fixture.expiresAt - 1).get())
        XCTAssertEqual(strict.verify(token, now: Fixture.expiresAt), .failure(.expired))
    }

    func testNotBeforeAndIssuedAtEdgesWithLeeway() throws {
        let verifier = try Fixture.verifier()
        // nbf = now + 600 and iat = now + 600 in those fixtures.
        for (fixture, rejection) in [("not_yet_valid", TokenError.notYetValid),
                                     ("issued_in_the_future", .issuedInTheFuture)] {
            let token = Fixture.token(fixture)
            XCTAssertEqual(verifier.verify(token, now: Fixture.now + 569), .failure(rejection), fixture)
            XCTAssertNoThrow(try verifier.verify(token, now: Fixture.now + 570).get(), fixture)
        }
    }

    /// Claim checks come after the signature: a revoked, expired token with
    /// a bad signature is reported as a bad signature.
    func testSignatureIsCheckedBeforeClaims() throws {
        let verifier = try Fixture.verifier()
        let token = Fixture.token("bad_signature")
        XCTAssertEqual(verifier.verify(token, now: Fixture.expiresAt + 10_000), .failure(.badSignature))
    }

    func testNegativeLeewayCountsAsZero() throws {
        var settings = try Fixture.settings()
        settings.leewaySeconds = -1_000
        let verifier = TokenVerifier(keyRing: try Fixture.ring(), settings: settings)
        XCTAssertNoThrow(try verifier.verify(Fixture.token("valid_es256"), now: Fixture.expiresAt - 1).get())
    }
}
