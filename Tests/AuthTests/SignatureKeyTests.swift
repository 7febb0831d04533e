@testable import Auth
import Dispatch
import Foundation
import XCTest

/// Signatures checked with keys parsed once per key ring: each forgery is
/// refused by the key its kid names, whatever the header claims, and one
/// ring serves many threads at once.
final class SignatureKeyTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("SignatureKeyTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    // MARK: - Forged signatures

    /// RFC 7518 §3.4: an ES256 signature is exactly 64 bytes of r‖s; a DER
    /// signature, or r‖s with a byte more or less, is refused unread.
    func testES256SignatureOfAnyOtherLengthIsRefused() throws {
        let verifier = try Fixture.verifier()
        let token = Fixture.token("valid_es256")
        let signature = try Self.signature(of: token)
        XCTAssertEqual(signature.count, 64)
        let der = try XCTUnwrap(DERReader.ecdsaSignature(rawRS: signature))
        for (forgery, bytes) in [("63 bytes", Array(signature.dropLast())), ("65 bytes", signature + [0]),
                                 ("0x00 prefix", [0] + signature), ("DER", der), ("r only", Array(signature.prefix(32)))] {
            XCTAssertEqual(verifier.verify(Self.replacingSignature(of: token, with: bytes), now: Fixture.now),
                           .failure(.badSignature), forgery)
        }
    }

    func testAFlippedSignatureBitIsRefusedForEachAlgorithm() throws {
        let verifier = try Fixture.verifier()
        for fixture in ["valid_es256", "valid_rs256", "valid_hs256"] {
            let token = Fixture.token(fixture)
            XCTAssertNoThrow(try verifier.verify(token, now: Fixture.now).get(), fixture)
            let signature = try Self.signature(of: token)
            for index in [0, 1, signature.count / 2, signature.count - 1] {
                for bit in [0, 7] {
                    var flipped = signature
                    flipped[index] ^= 1 << bit
                    XCTAssertEqual(verifier.verify(Self.replacingSignature(of: token, with: flipped), now: Fixture.now),
                                   .failure(.badSignature), "\(fixture) byte \(index) bit \(bit)")
                }
            }
        }
    }

    /// The signing input is the text as received: the same claims under a
    /// re-encoded header are a different message.
    func testTheSigningInputIsTheTextAsReceived() throws {
        let verifier = try Fixture.verifier()
        let token = Fixture.token("valid_es256")
        let parts = token.split(separator: ".").map(String.init)
        let header = try XCTUnwrap(Self.base64URLDecode(parts[0]))
        let spaced = Array(String(decoding: header, as: UTF8.self).replacingOccurrences(of: ",", with: ", ").utf8)
        XCTAssertNotEqual(spaced, header)
        let reencoded = [Self.base64URLEncode(spaced), parts[1], parts[2]].joined(separator: ".")
        XCTAssertEqual(verifier.verify(reencoded, now: Fixture.now), .failure(.badSignature))
    }

    /// kid A's genuine token, checked with the key configured for A, which
    /// is B's key: refused, for each algorithm that has a second key.
    func testAValidTokenForOneKidIsRefusedByAnotherKidsKey() throws {
        let otherSecret = try write("other.secret", String(repeating: "x", count: 48))
        let swapped = TokenVerifier(keyRing: try KeyRing.load([
            KeySpec(kid: "k1", algorithm: .es256, path: Fixture.path("k2.pub.pem")),
            KeySpec(kid: "k2", algorithm: .es256, path: Fixture.path("k1.pub.pem")),
            KeySpec(kid: "h1", algorithm: .hs256, path: otherSecret),
        ]), settings: try Fixture.settings())
        for fixture in ["valid_es256", "valid_es256_k2", "valid_hs256"] {
            XCTAssertEqual(swapped.verify(Fixture.token(fixture), now: Fixture.now), .failure(.badSignature), fixture)
        }
    }

    // MARK: - r‖s to DER

    func testRawSignatureToDERKeepsIntegersMinimalAndPositive() throws {
        // r = 00 00 7F 01 … (two leading zeros dropped), s = FF … (a zero added for the sign).
        let r: [UInt8] = [0x00, 0x00, 0x7F] + [UInt8](repeating: 0x01, count: 29)
        let s: [UInt8] = [UInt8](repeating: 0xFF, count: 32)
        let der = try XCTUnwrap(DERReader.ecdsaSignature(rawRS: r + s))
        XCTAssertEqual(der, [0x30, 0x43,
                             0x02, 0x1E] + Array(r.dropFirst(2)) + [
                             0x02, 0x21, 0x00] + s)

        let zeros = try XCTUnwrap(DERReader.ecdsaSignature(rawRS: [UInt8](repeating: 0, count: 64)))
        XCTAssertEqual(zeros, [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00])
        XCTAssertNil(DERReader.ecdsaSignature(rawRS: [UInt8](repeating: 1, count: 63)))
        XCTAssertNil(DERReader.ecdsaSignature(rawRS: [UInt8](repeating: 1, count: 72)))
    }

    /// libjwt signs with a random nonce, so genuine signatures whose r or s
    /// has its high bit set, or a leading zero byte, turn up within a few
    /// hundred tokens (each ~1/128 for a zero byte); every one must verify.
    func testGenuineSignaturesWithHighBitsAndLeadingZerosVerify() throws {
        let issuer = try TokenIssuer(kid: "k1", algorithm: .es256, privateKeyPath: Fixture.path("k1.priv.pem"))
        let verifier = TokenVerifier(keyRing: try Fixture.ring(), settings: VerifierSettings())
        var wanted: Set<String> = ["r high bit", "s high bit", "r leading zero", "s leading zero"]
        var attempts = 0
        while !wanted.isEmpty, attempts < 20_000 {
            attempts += 1
            let token = try issuer.issue(subject: "acct-1", roles: [], ttlSeconds: 60, now: Fixture.now)
            let signature = try Self.signature(of: token)
            var shapes: [String] = []
            if signature[0] & 0x80 != 0 { shapes.append("r high bit") }
            if signature[32] & 0x80 != 0 { shapes.append("s high bit") }
            if signature[0] == 0 { shapes.append("r leading zero") }
            if signature[32] == 0 { shapes.append("s leading zero") }
            guard shapes.contains(where: wanted.contains) else { continue }
            XCTAssertEqual(try verifier.verify(token, now: Fixture.now).get().keyID, "k1", "\(shapes)")
            wanted.subtract(shapes)
        }
        XCTAssertEqual(wanted, [], "not seen in \(attempts) signatures")
    }

    // MARK: - Keys are read once, at load

    /// A point that is not on P-256 passes our DER reading but not OpenSSL;
    /// it is now named when the ring loads, not found at the first token.
    func testAPointOffTheCurveIsRefusedAtLoad() throws {
        let text = try String(contentsOfFile: Fixture.path("k1.pub.pem"), encoding: .utf8)
        guard case .success(let blocks) = PEM.blocks(in: Array(text.utf8)), var der = blocks.first?.der else {
            return XCTFail("k1.pub.pem does not parse")
        }
        der[der.count - 1] ^= 0x01
        let path = try write("off-curve.pem", PEMBlock(label: "PUBLIC KEY", der: der).text)
        XCTAssertThrowsError(try KeyRing.load([KeySpec(kid: "k1", algorithm: .es256, path: path)])) { error in
            let message = (error as? AuthConfigurationError)?.description ?? ""
            XCTAssertTrue(message.hasPrefix("k1: \(path) holds a PUBLIC KEY block that OpenSSL cannot load ("), message)
        }
    }

    // MARK: - Many threads, one ring

    func testOneVerifierGivesTheRightAnswersFromManyThreadsAtOnce() throws {
        let verifier = try Fixture.verifier()
        let cases: [(token: String, accepted: Bool)] = try ["valid_es256", "valid_es256_k2", "valid_rs256", "valid_hs256"]
            .flatMap { fixture in
                let token = Fixture.token(fixture)
                var forged = try Self.signature(of: token)
                forged[forged.count / 2] ^= 0x10
                return [(token, true), (Self.replacingSignature(of: token, with: forged), false)]
            } + [(Fixture.token("bad_signature"), false)]

        let tally = Tally()
        DispatchQueue.concurrentPerform(iterations: 1_000) { iteration in
            let (token, accepted) = cases[iteration % cases.count]
            let result = verifier.verify(token, now: Fixture.now)
            let right: Bool
            switch result {
            case .success: right = accepted
            case .failure(let rejection): right = !accepted && rejection == .badSignature
            }
            tally.record(right)
        }
        XCTAssertEqual(tally.counts, Tally.Counts(right: 1_000, wrong: 0))
    }

    // MARK: - Helpers

    private final class Tally: @unchecked Sendable {
        struct Counts: Equatable { var right = 0, wrong = 0 }
        private let lock = NSLock()
        private var current = Counts()

        func record(_ right: Bool) {
            lock.lock()
            if right { current.right += 1 } else { current.wrong += 1 }
            lock.unlock()
        }

        var counts: Counts {
            lock.lock()
            defer { lock.unlock() }
            return current
        }
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    private static func signature(of token: String) throws -> [UInt8] {
        try XCTUnwrap(base64URLDecode(String(token.split(separator: ".", omittingEmptySubsequences: false)[2])))
    }

    private static func replacingSignature(of token: String, with signature: [UInt8]) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return "\(parts[0]).\(parts[1]).\(base64URLEncode(signature))"
    }

    private static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func base64URLDecode(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard).map(Array.init)
    }
}
