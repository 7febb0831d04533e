import Auth
import Foundation
import XCTest

/// The files `Fixtures/make_fixtures.py` wrote with PyJWT and cryptography,
/// an implementation independent of ours. Every token carries fixed times
/// around `Fixture.now`, so these tests pass with an injected clock forever.
enum Fixture {
    static let now: Int64 = 1_700_001_000
    static let issuedAt: Int64 = 1_700_000_000
    static let expiresAt: Int64 = 1_700_003_600
    static let issuer = "https://auth.example"
    static let audience = "streamd"

    static let directory: URL = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("Fixtures resource missing from the AuthTests bundle")
        }
        return url
    }()

    static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    static let tokens: [String: String] = {
        do {
            let data = try Data(contentsOf: directory.appendingPathComponent("tokens.json"))
            return try JSONDecoder().decode([String: String].self, from: data)
        } catch {
            fatalError("tokens.json: \(error)")
        }
    }()

    static func token(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        guard let token = tokens[name] else {
            XCTFail("no fixture token named \(name); rerun make_fixtures.py", file: file, line: line)
            return ""
        }
        return token
    }

    static let allKeys = [
        KeySpec(kid: "k1", algorithm: .es256, path: path("k1.pub.pem")),
        KeySpec(kid: "k2", algorithm: .es256, path: path("k2.pub.pem")),
        KeySpec(kid: "r1", algorithm: .rs256, path: path("r1.pub.pem")),
        KeySpec(kid: "h1", algorithm: .hs256, path: path("h1.secret")),
    ]

    static func ring(_ specs: [KeySpec] = allKeys) throws -> KeyRing {
        try KeyRing.load(specs)
    }

    static func settings() throws -> VerifierSettings {
        VerifierSettings(issuer: issuer, audience: audience,
                         revokedTokenIDs: try RevocationList.load(path: path("revoked.txt")))
    }

    static func verifier(_ specs: [KeySpec] = allKeys) throws -> TokenVerifier {
        TokenVerifier(keyRing: try ring(specs), settings: try settings())
    }

    /// The decoded JOSE header of a token, for asserting what an issuer wrote.
    static func header(of token: String) throws -> [String: String] {
        var segment = String(token.split(separator: ".")[0])
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        segment += String(repeating: "=", count: (4 - segment.count % 4) % 4)
        let data = try XCTUnwrap(Data(base64Encoded: segment))
        return try JSONDecoder().decode([String: String].self, from: data)
    }
}
