import XCTest

@testable import TLS

final class DigestTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    func testSHA1KnownAnswers() {
        XCTAssertEqual(hex(Digest.sha1(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(hex(Digest.sha1([])), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }

    func testSHA256KnownAnswers() {
        XCTAssertEqual(
            hex(Digest.sha256(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            hex(Digest.sha256([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// RFC 6455 section 1.3: the accept key for "dGhlIHNhbXBsZSBub25jZQ==".
    func testWebSocketAcceptExample() {
        let input = Array("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11".utf8)
        XCTAssertEqual(hex(Digest.sha1(input)), "b37a4f2cc0624f1690f64606cf385945b2bec4ea")
    }

    func testSecureRandom() {
        XCTAssertEqual(SecureRandom.bytes(32).count, 32)
        XCTAssertEqual(SecureRandom.bytes(0), [])
        XCTAssertNotEqual(SecureRandom.bytes(16), SecureRandom.bytes(16))
        let values = Set((0..<8).map { _ in SecureRandom.uint32() })
        XCTAssertGreaterThan(values.count, 1)
    }
}
