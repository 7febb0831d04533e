import Auth
import Foundation
import XCTest

/// A wrong key file fails at startup with the kid, the file and the fix.
final class KeyRingTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("AuthTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    private func loadError(_ specs: [KeySpec], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try KeyRing.load(specs)
            XCTFail("loaded", file: file, line: line)
            return ""
        } catch {
            return error.description
        }
    }

    func testLoadsEveryAlgorithmInOrder() throws {
        let ring = try Fixture.ring()
        XCTAssertEqual(ring.kids, ["k1", "k2", "r1", "h1"])
        XCTAssertEqual(ring.algorithm(forKid: "k1"), .es256)
        XCTAssertEqual(ring.algorithm(forKid: "r1"), .rs256)
        XCTAssertEqual(ring.algorithm(forKid: "h1"), .hs256)
        XCTAssertNil(ring.algorithm(forKid: "k9"))
    }

    /// "RSA PUBLIC KEY" (PKCS #1) is rewrapped for libjwt, which reads only
    /// SubjectPublicKeyInfo; the PyJWT RS256 token must verify with it.
    func testPKCS1RSAPublicKeyVerifies() throws {
        let ring = try KeyRing.load([KeySpec(kid: "r1", algorithm: .rs256, path: Fixture.path("r1.pkcs1.pub.pem"))])
        let verifier = TokenVerifier(keyRing: ring, settings: try Fixture.settings())
        XCTAssertEqual(try verifier.verify(Fixture.token("valid_rs256"), now: Fixture.now).get().keyID, "r1")
    }

    func testAKeyFileWithSurroundingTextLoads() throws {
        let pem = try String(contentsOfFile: Fixture.path("k1.pub.pem"), encoding: .utf8)
        let path = try write("k1-annotated.pem", "k1, made by make_fixtures.py\r\n" + pem.replacingOccurrences(of: "\n", with: "\r\n"))
        let verifier = TokenVerifier(keyRing: try KeyRing.load([KeySpec(kid: "k1", algorithm: .es256, path: path)]),
                                     settings: try Fixture.settings())
        XCTAssertNoThrow(try verifier.verify(Fixture.token("valid_es256"), now: Fixture.now).get())
    }

    func testConfigurationMistakesAreNamed() throws {
        let missing = scratch.appendingPathComponent("nope.pem").path
        let cases: [(String, KeySpec, String)] = [
            ("missing file", KeySpec(kid: "k1", algorithm: .es256, path: missing),
             "k1: \(missing): No such file or directory"),
            ("directory", KeySpec(kid: "k1", algorithm: .es256, path: scratch.path),
             "k1: \(scratch.path): not a regular file"),
            ("private key given as ES256 public key", KeySpec(kid: "k1", algorithm: .es256, path: Fixture.path("k1.priv.pem")),
             "k1: \(Fixture.path("k1.priv.pem")) holds a private key; give the public key"),
            ("private key given as RS256 public key", KeySpec(kid: "r1", algorithm: .rs256, path: Fixture.path("r1.priv.pem")),
             "r1: \(Fixture.path("r1.priv.pem")) holds a private key; give the public key"),
            ("public key PEM given as HS256 secret", KeySpec(kid: "h1", algorithm: .hs256, path: Fixture.path("k1.pub.pem")),
             "h1: \(Fixture.path("k1.pub.pem")) looks like a PEM file; an HS256 secret must be random bytes, never a key file"),
            ("short HS256 secret", KeySpec(kid: "h1", algorithm: .hs256, path: Fixture.path("short.secret")),
             "h1: \(Fixture.path("short.secret")) holds a 20-byte secret; HS256 needs at least 32 bytes"),
            ("P-384 key for ES256", KeySpec(kid: "k1", algorithm: .es256, path: Fixture.path("p384.pub.pem")),
             "k1: \(Fixture.path("p384.pub.pem")) holds an EC key on a curve other than P-256, which cannot verify ES256"),
            ("RSA key for ES256", KeySpec(kid: "k1", algorithm: .es256, path: Fixture.path("r1.pub.pem")),
             "k1: \(Fixture.path("r1.pub.pem")) holds a 2048-bit RSA key, which cannot verify ES256"),
            ("EC key for RS256", KeySpec(kid: "r1", algorithm: .rs256, path: Fixture.path("k1.pub.pem")),
             "r1: \(Fixture.path("k1.pub.pem")) holds an EC P-256 key, which cannot verify RS256"),
            ("PKCS #1 RSA key for ES256", KeySpec(kid: "k1", algorithm: .es256, path: Fixture.path("r1.pkcs1.pub.pem")),
             "k1: \(Fixture.path("r1.pkcs1.pub.pem")) holds a \"RSA PUBLIC KEY\" PEM block; give a PEM \"PUBLIC KEY\" for ES256"),
            ("HS256 secret given as ES256 key", KeySpec(kid: "k1", algorithm: .es256, path: Fixture.path("h1.secret")),
             "k1: \(Fixture.path("h1.secret")) holds no PEM block; give a PEM \"PUBLIC KEY\""),
        ]
        for (mistake, spec, expected) in cases {
            XCTAssertEqual(loadError([spec]), expected, mistake)
        }
    }

    func testMalformedPEMFiles() throws {
        let body = try String(contentsOfFile: Fixture.path("k1.pub.pem"), encoding: .utf8)
        let cases: [(String, String, String)] = [
            ("two keys", body + body, "holds 2 PEM blocks; give exactly one public key"),
            ("no END", String(body.split(separator: "\n").dropLast().joined(separator: "\n")),
             "the PUBLIC KEY block has no END line"),
            ("bad base64", body.replacingOccurrences(of: "MFkw", with: "M*kw"), "the PUBLIC KEY block is not valid base64"),
            ("certificate", "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
             "holds a certificate; give its public key (openssl x509 -pubkey -noout)"),
            ("garbage DER", "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n",
             "holds a PUBLIC KEY block that is not a valid key"),
        ]
        for (mistake, text, expected) in cases {
            let path = try write("bad.pem", text)
            XCTAssertEqual(loadError([KeySpec(kid: "k1", algorithm: .es256, path: path)]), "k1: \(path) \(expected)", mistake)
        }
    }

    func testHS256SecretTrailingNewlineIsTrimmedBeforeCounting() throws {
        let exactly32 = try write("32.secret", String(repeating: "s", count: 32) + "\r\n")
        XCTAssertNoThrow(try KeyRing.load([KeySpec(kid: "h", algorithm: .hs256, path: exactly32)]))
        let only31 = try write("31.secret", String(repeating: "s", count: 31) + "\n\n")
        XCTAssertEqual(loadError([KeySpec(kid: "h", algorithm: .hs256, path: only31)]),
                       "h: \(only31) holds a 31-byte secret; HS256 needs at least 32 bytes")
    }

    func testDuplicateKidAndEmptyListAreRefused() {
        XCTAssertEqual(loadError([Fixture.allKeys[0], KeySpec(kid: "k1", algorithm: .es256, path: Fixture.path("k2.pub.pem"))]),
                       "keys: kid \"k1\" is configured more than once; each kid names one key")
        XCTAssertEqual(loadError([]), "keys: no verification keys configured; add at least one {kid, algorithm, path}")
        XCTAssertEqual(loadError([KeySpec(kid: "", algorithm: .es256, path: "k.pem")]), "keys: an entry for k.pem has an empty kid")
    }

    func testKeySpecDecodesFromTheConfigurationShape() throws {
        let json = #"[{"kid":"k1","algorithm":"ES256","path":"keys/k1.pub.pem"}]"#
        let specs = try JSONDecoder().decode([KeySpec].self, from: Data(json.utf8))
        XCTAssertEqual(specs, [KeySpec(kid: "k1", algorithm: .es256, path: "keys/k1.pub.pem")])
        XCTAssertThrowsError(try JSONDecoder().decode([KeySpec].self, from: Data(json.replacingOccurrences(of: "ES256", with: "none").utf8)))
    }
}
