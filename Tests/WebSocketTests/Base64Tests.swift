import XCTest

import Base
@testable import WebSocket

final class Base64Tests: XCTestCase {
    /// RFC 4648 §10.
    func testRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(ascii(plain)), encoded)
            XCTAssertEqual(Base64.decode(encoded), ascii(plain))
        }
    }

    func testRoundTripOfEveryByte() {
        let bytes = (0...255).map(UInt8.init)
        for length in [0, 1, 2, 3, 16, 20, 255, 256] {
            XCTAssertEqual(Base64.decode(Base64.encode(bytes[0..<length])), Array(bytes[0..<length]))
        }
        XCTAssertEqual(Base64.encode([0xfb, 0xff]), "+/8=")
    }

    func testRejectsNonCanonicalInput() {
        for bad in ["Zg", "Zg=", "Z===", "Zg=a", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "Zm9-", "====", "=m9v"] {
            XCTAssertNil(Base64.decode(bad), bad)
        }
    }
}
