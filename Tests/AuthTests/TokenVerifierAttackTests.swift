import Auth
import XCTest

/// Hostile tokens, each named for the attack it tries, with the exact
/// rejection and audit reason expected. Every one is made by PyJWT or by hand
/// in make_fixtures.py, and is presented at `Fixture.now` to a ring of four
/// keys: k1, k2 (ES256), r1 (RS256), h1 (HS256).
final class TokenVerifierAttackTests: XCTestCase {
    struct Attack {
        let fixture: String
        let rejection: TokenError
        let reason: String
    }

    static let attacks: [Attack] = [
        // Algorithm attacks (RFC 8725 §2.1, §3.1)
        Attack(fixture: "alg_none", rejection: .algorithmNone, reason: "alg_none"),
        Attack(fixture: "alg_none_pyjwt", rejection: .algorithmNone, reason: "alg_none"),
        Attack(fixture: "alg_none_capitalised", rejection: .algorithmNone, reason: "alg_none"),
        Attack(fixture: "alg_none_with_signature", rejection: .algorithmNone, reason: "alg_none"),
        Attack(fixture: "key_confusion_hs256_with_k1_public_pem",
               rejection: .algorithmMismatch(expected: .es256, got: "HS256"), reason: "alg_mismatch"),
        Attack(fixture: "key_confusion_hs256_with_k1_public_pem_no_kid",
               rejection: .unknownKey(kid: nil), reason: "unknown_kid"),
        Attack(fixture: "rs256_under_es256_kid",
               rejection: .algorithmMismatch(expected: .es256, got: "RS256"), reason: "alg_mismatch"),
        Attack(fixture: "es256_lowercase_alg",
               rejection: .algorithmMismatch(expected: .es256, got: "es256"), reason: "alg_mismatch"),
        Attack(fixture: "es256_header_hmac_signature", rejection: .badSignature, reason: "bad_signature"),

        // Key selection: kid decides, nothing is defaulted or fetched
        Attack(fixture: "unknown_kid", rejection: .unknownKey(kid: "k9"), reason: "unknown_kid"),
        Attack(fixture: "missing_kid", rejection: .unknownKey(kid: nil), reason: "unknown_kid"),
        Attack(fixture: "embedded_jwk_attacker_key", rejection: .badSignature, reason: "bad_signature"),
        Attack(fixture: "crit_exp", rejection: .unsupportedCritical(["exp"]), reason: "unsupported_crit"),
        Attack(fixture: "duplicate_alg_header", rejection: .malformed("header is not valid JSON"), reason: "malformed"),
        Attack(fixture: "kid_not_a_string", rejection: .malformed("header kid is not a string"), reason: "malformed"),

        // Signature
        Attack(fixture: "bad_signature", rejection: .badSignature, reason: "bad_signature"),
        Attack(fixture: "non_canonical_base64",
               rejection: .malformed("signature is not canonical base64url"), reason: "malformed"),

        // Time, against the injected clock with 30 s leeway
        Attack(fixture: "expired", rejection: .expired, reason: "expired"),
        Attack(fixture: "not_yet_valid", rejection: .notYetValid, reason: "not_yet_valid"),
        Attack(fixture: "issued_in_the_future", rejection: .issuedInTheFuture, reason: "issued_in_future"),

        // Issuer, audience, revocation
        Attack(fixture: "wrong_issuer", rejection: .wrongIssuer, reason: "wrong_issuer"),
        Attack(fixture: "missing_issuer", rejection: .missingClaim("iss"), reason: "missing_claim"),
        Attack(fixture: "wrong_audience", rejection: .wrongAudience, reason: "wrong_audience"),
        Attack(fixture: "aud_array_without_ours", rejection: .wrongAudience, reason: "wrong_audience"),
        Attack(fixture: "revoked_jti", rejection: .revoked, reason: "revoked"),

        // Claims of the wrong type
        Attack(fixture: "sub_number", rejection: .invalidClaim(name: "sub", problem: "is not a string"), reason: "invalid_claim"),
        Attack(fixture: "sub_empty", rejection: .invalidClaim(name: "sub", problem: "is empty"), reason: "invalid_claim"),
        Attack(fixture: "sub_missing", rejection: .missingClaim("sub"), reason: "missing_claim"),
        Attack(fixture: "exp_string", rejection: .invalidClaim(name: "exp", problem: "is not a number"), reason: "invalid_claim"),
        Attack(fixture: "exp_bool", rejection: .invalidClaim(name: "exp", problem: "is not a number"), reason: "invalid_claim"),
        Attack(fixture: "exp_missing", rejection: .missingClaim("exp"), reason: "missing_claim"),
        Attack(fixture: "exp_huge", rejection: .invalidClaim(name: "exp", problem: "is out of range"), reason: "invalid_claim"),
        Attack(fixture: "nbf_string", rejection: .invalidClaim(name: "nbf", problem: "is not a number"), reason: "invalid_claim"),
        Attack(fixture: "iss_number", rejection: .invalidClaim(name: "iss", problem: "is not a string"), reason: "invalid_claim"),
        Attack(fixture: "roles_string",
               rejection: .invalidClaim(name: "roles", problem: "is not an array of strings"), reason: "invalid_claim"),
        Attack(fixture: "roles_mixed_array",
               rejection: .invalidClaim(name: "roles", problem: "is not an array of strings"), reason: "invalid_claim"),
        Attack(fixture: "channels_object",
               rejection: .invalidClaim(name: "channels", problem: "is not an array of strings"), reason: "invalid_claim"),
        Attack(fixture: "aud_number",
               rejection: .invalidClaim(name: "aud", problem: "is not a string or an array of strings"), reason: "invalid_claim"),
        Attack(fixture: "jti_number", rejection: .invalidClaim(name: "jti", problem: "is not a string"), reason: "invalid_claim"),
        Attack(fixture: "deeply_nested_claim", rejection: .malformed("payload is not a JSON object"), reason: "malformed"),

        // Size and structure (RFC 7515 §7.1)
        Attack(fixture: "oversized", rejection: .tooLarge(limit: 8192), reason: "too_large"),
        Attack(fixture: "malformed_two_segments",
               rejection: .malformed("expected 3 dot-separated segments, found 2"), reason: "malformed"),
        Attack(fixture: "malformed_four_segments",
               rejection: .malformed("expected 3 dot-separated segments, found 4"), reason: "malformed"),
        Attack(fixture: "malformed_bad_base64",
               rejection: .malformed("payload is not canonical base64url"), reason: "malformed"),
        Attack(fixture: "malformed_padding",
               rejection: .malformed("header is not canonical base64url"), reason: "malformed"),
        Attack(fixture: "malformed_whitespace",
               rejection: .malformed("payload is not canonical base64url"), reason: "malformed"),
        Attack(fixture: "malformed_empty_payload", rejection: .malformed("empty payload segment"), reason: "malformed"),
        Attack(fixture: "malformed_empty_signature", rejection: .malformed("empty signature segment"), reason: "malformed"),
        Attack(fixture: "malformed_header_not_json", rejection: .malformed("header is not valid JSON"), reason: "malformed"),
        Attack(fixture: "malformed_header_array", rejection: .malformed("header is not a JSON object"), reason: "malformed"),
        Attack(fixture: "malformed_payload_not_json", rejection: .malformed("payload is not a JSON object"), reason: "malformed"),
    ]

    func testEachAttackIsRejectedForItsOwnReason() throws {
        let verifier = try Fixture.verifier()
        for attack in Self.attacks {
            let result = verifier.verify(Fixture.token(attack.fixture), now: Fixture.now)
            guard case .failure(let rejection) = result else {
                XCTFail("\(attack.fixture): accepted, expected \(attack.rejection)")
                continue
            }
            XCTAssertEqual(rejection, attack.rejection, attack.fixture)
            XCTAssertEqual(rejection.reason, attack.reason, attack.fixture)
        }
    }

    /// The classic key confusion: HMAC keyed with the public PEM. With one
    /// ES256 key and no kid, the key is chosen but its algorithm still rules.
    func testKeyConfusionWithoutKidAgainstASingleKeyRing() throws {
        let verifier = try Fixture.verifier([Fixture.allKeys[0]])
        for name in ["key_confusion_hs256_with_k1_public_pem", "key_confusion_hs256_with_k1_public_pem_no_kid"] {
            XCTAssertEqual(verifier.verify(Fixture.token(name), now: Fixture.now),
                           .failure(.algorithmMismatch(expected: .es256, got: "HS256")), name)
        }
    }

    /// A token signed by k2 but naming k1 must not verify with k2 just
    /// because k2 would have worked.
    func testTokenSignedByAnotherRingKeyUnderKidK1() throws {
        let verifier = try Fixture.verifier()
        XCTAssertEqual(verifier.verify(Fixture.token("embedded_jwk_attacker_key"), now: Fixture.now), .failure(.badSignature))
        XCTAssertNoThrow(try verifier.verify(Fixture.token("valid_es256_k2"), now: Fixture.now).get())
    }

    func testOversizedLimitFollowsSettings() throws {
        var settings = try Fixture.settings()
        settings.maxTokenBytes = 100
        let verifier = TokenVerifier(keyRing: try Fixture.ring(), settings: settings)
        XCTAssertEqual(verifier.verify(Fixture.token("valid_es256"), now: Fixture.now), .failure(.tooLarge(limit: 100)))
    }

    /// `message` ends up inside `error_description="..."`: no quotes, no
    /// backslashes, no control characters, and none of the token's text.
    func testMessagesAreSafeForAQuotedHeaderAndLeakNoTokenText() throws {
        let verifier = try Fixture.verifier()
        var rejections = Self.attacks.compactMap { attack -> (String, TokenError)? in
            let token = Fixture.token(attack.fixture)
            guard case .failure(let rejection) = verifier.verify(token, now: Fixture.now) else { return nil }
            return (token, rejection)
        }
        let hostileText = "ES256\"\r\nSet-Cookie: x=1"
        rejections += [
            ("", .algorithmMismatch(expected: .es256, got: hostileText)),
            ("", .unknownKey(kid: hostileText)),
            ("", .unsupportedCritical([hostileText, "b64"])),
            ("", .invalidClaim(name: hostileText, problem: "is not a string")),
        ]
        for (token, rejection) in rejections {
            let message = rejection.message
            XCTAssertFalse(message.isEmpty)
            XCTAssertTrue(message.utf8.allSatisfy { (0x20...0x7E).contains($0) && $0 != 0x22 && $0 != 0x5C },
                          "unsafe message: \(message)")
            for segment in token.split(separator: ".") where segment.count > 8 {
                XCTAssertFalse(message.contains(segment), "\(rejection) quotes the token")
            }
            XCTAssertFalse(message.contains("Set-Cookie"), message)
        }
        XCTAssertEqual(TokenError.unknownKey(kid: "k9").message, "no key with kid k9 is configured")
        XCTAssertEqual(TokenError.unsupportedCritical(["exp"]).message,
                       "token requires header extensions this server does not support: exp")
    }
}
