@testable import Auth
import XCTest

/// The verified-signature cache: it saves the signature check and nothing else.
final class VerifiedTokenCacheTests: XCTestCase {
    private func verifier(entries: Int = 10) throws -> TokenVerifier {
        var settings = try Fixture.settings()
        settings.verifiedTokenCacheEntries = entries
        return TokenVerifier(keyRing: try Fixture.ring(Fixture.allKeys), settings: settings)
    }

    func testAVerifiedTokenIsRememberedAndStillPasses() throws {
        let verifier = try verifier()
        let token = Fixture.token("valid_es256")
        XCTAssertNoThrow(try verifier.verify(token, now: Fixture.now).get())
        XCTAssertEqual(verifier.rememberedTokens, 1)
        XCTAssertEqual(try verifier.verify(token, now: Fixture.now).get().subject, "acct-1")
        XCTAssertEqual(verifier.rememberedTokens, 1)
    }

    func testTimesAreCheckedOnEveryUseAndAnExpiredTokenIsForgotten() throws {
        let verifier = try verifier()
        let token = Fixture.token("valid_es256")
        XCTAssertNoThrow(try verifier.verify(token, now: Fixture.now).get())
        XCTAssertEqual(verifier.verify(token, now: Fixture.expiresAt + 3600), .failure(.expired))
        XCTAssertEqual(verifier.rememberedTokens, 0)
    }

    func testForgeriesAreNeverRemembered() throws {
        let verifier = try verifier()
        for name in ["bad_signature", "alg_none"] {
            XCTAssertThrowsError(try verifier.verify(Fixture.token(name), now: Fixture.now).get(), name)
        }
        XCTAssertEqual(verifier.rememberedTokens, 0)
    }

    func testACanonicallyEquivalentStringIsNotTheSameToken() throws {
        let verifier = try verifier()
        let token = Fixture.token("valid_es256")
        XCTAssertNoThrow(try verifier.verify(token, now: Fixture.now).get())
        // U+212A KELVIN SIGN == "K" as Swift Strings; as bytes it is another token.
        guard let k = token.firstIndex(of: "K") else { throw XCTSkip("fixture token has no K") }
        var lookalike = token
        lookalike.replaceSubrange(k...k, with: "\u{212A}")
        XCTAssertEqual(lookalike, token, "Swift's String equality treats them as one")
        XCTAssertThrowsError(try verifier.verify(lookalike, now: Fixture.now).get(), "but the cache must not")
    }

    func testRevocationIsCheckedOnEveryUse() throws {
        var settings = try Fixture.settings()
        settings.revokedTokenIDs = ["jti-ok"]
        let verifier = TokenVerifier(keyRing: try Fixture.ring(Fixture.allKeys), settings: settings)
        for _ in 0..<2 {
            XCTAssertEqual(verifier.verify(Fixture.token("valid_es256"), now: Fixture.now), .failure(.revoked))
        }
    }

    func testAFullCacheStartsOverAndZeroTurnsItOff() throws {
        let small = try verifier(entries: 1)
        XCTAssertNoThrow(try small.verify(Fixture.token("valid_es256"), now: Fixture.now).get())
        XCTAssertNoThrow(try small.verify(Fixture.token("valid_rs256"), now: Fixture.now).get())
        XCTAssertEqual(small.rememberedTokens, 1)
        let off = try verifier(entries: 0)
        XCTAssertNoThrow(try off.verify(Fixture.token("valid_es256"), now: Fixture.now).get())
        XCTAssertEqual(off.rememberedTokens, 0)
    }
}
