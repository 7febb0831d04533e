import XCTest

@testable import WebSocket

/// RFC 6455 §5.2 and §5.7: the exact bytes the server and client send.
final class FrameEncoderTests: XCTestCase {
    func testUnmaskedTextFromTheRFC() {
        XCTAssertEqual(FrameEncoder.frame(opcode: .text, payload: ascii("Hello")), hex("81 05 48 65 6c 6c 6f"))
    }

    func testMaskedTextFromTheRFC() {
        XCTAssertEqual(
            FrameEncoder.frame(opcode: .text, payload: ascii("Hello"), maskKey: rfcMaskKey),
            hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"))
    }

    func testFragmentsFromTheRFC() {
        XCTAssertEqual(FrameEncoder.frame(opcode: .text, payload: ascii("Hel"), fin: false), hex("01 03 48 65 6c"))
        XCTAssertEqual(FrameEncoder.frame(opcode: .continuation, payload: ascii("lo")), hex("80 02 6c 6f"))
    }

    func testPingAndPongFromTheRFC() {
        XCTAssertEqual(FrameEncoder.frame(opcode: .ping, payload: ascii("Hello")), hex("89 05 48 65 6c 6c 6f"))
        XCTAssertEqual(
            FrameEncoder.frame(opcode: .pong, payload: ascii("Hello"), maskKey: rfcMaskKey),
            hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"))
    }

    func testLengthEncodingBoundaries() {
        let cases: [(Int, [UInt8])] = [
            (0, hex("82 00")),
            (125, hex("82 7d")),
            (126, hex("82 7e 00 7e")),
            (256, hex("82 7e 01 00")),
            (65535, hex("82 7e ff ff")),
            (65536, hex("82 7f 00 00 00 00 00 01 00 00")),
        ]
        for (length, header) in cases {
            let frame = FrameEncoder.frame(opcode: .binary, payload: [UInt8](repeating: 0, count: length))
            XCTAssertEqual(Array(frame.prefix(header.count)), header, "length \(length)")
            XCTAssertEqual(frame.count, header.count + length)
            XCTAssertEqual(FrameEncoder.headerLength(payloadLength: length, masked: false), header.count)
            XCTAssertEqual(FrameEncoder.headerLength(payloadLength: length, masked: true), header.count + 4)
        }
    }

    func testWriteHeaderIntoCallerMemory() {
        var buffer = [UInt8](repeating: 0xAA, count: 14)
        let written = buffer.withUnsafeMutableBytes { raw in
            FrameEncoder.writeHeader(opcode: .binary, fin: true, payloadLength: 70000, maskKey: rfcMaskKey, into: raw)
        }
        XCTAssertEqual(written, 14)
        XCTAssertEqual(buffer, hex("82 ff 00 00 00 00 00 01 11 70 37 fa 21 3d"))
    }

    func testAppendFrameBatchesSeveralFrames() {
        var batch: [UInt8] = []
        FrameEncoder.appendFrame(opcode: .text, payload: ascii("Hel"), fin: false, to: &batch)
        FrameEncoder.appendFrame(opcode: .ping, payload: [UInt8](), to: &batch)
        FrameEncoder.appendFrame(opcode: .continuation, payload: ascii("lo"), to: &batch)
        XCTAssertEqual(batch, hex("01 03 48 65 6c 89 00 80 02 6c 6f"))
    }

    func testRawBufferAndCollectionPayloadsEncodeAlike() {
        let payload = ascii("{\"type\":\"tick\"}")
        let fromRaw = payload.withUnsafeBytes { FrameEncoder.frame(opcode: .text, payload: $0, maskKey: 7) }
        XCTAssertEqual(fromRaw, FrameEncoder.frame(opcode: .text, payload: payload[...], maskKey: 7))
        XCTAssertEqual(fromRaw, FrameEncoder.frame(opcode: .text, payload: payload.lazy.map { $0 }, maskKey: 7))
    }

    func testCloseFrameWithCodeAndReason() {
        XCTAssertEqual(FrameEncoder.closeFrame(code: .normal), hex("88 02 03 e8"))
        XCTAssertEqual(FrameEncoder.closeFrame(code: .tokenExpired, reason: "exp"), hex("88 05 0f a1 65 78 70"))
        XCTAssertEqual(FrameEncoder.closeFrame(code: nil, reason: "ignored"), hex("88 00"))
        XCTAssertEqual(FrameEncoder.closeFrame(code: nil, maskKey: rfcMaskKey), hex("88 80 37 fa 21 3d"))
    }

    func testCloseReasonIsCutTo123BytesOnACodePointBoundary() {
        let ascii200 = String(repeating: "a", count: 200)
        let frame = FrameEncoder.closeFrame(code: .goingAway, reason: ascii200)
        XCTAssertEqual(frame.count, 2 + 125)
        XCTAssertEqual(Array(frame[0..<4]), hex("88 7d 03 e9"))

        // 122 ASCII bytes then "€" (3 bytes) would end at 125: the euro sign must go whole.
        let euro = String(repeating: "a", count: 122) + "€"
        let cut = FrameEncoder.closeFrame(code: .goingAway, reason: euro)
        XCTAssertEqual(cut.count, 2 + 2 + 122)
        XCTAssertEqual(readEvents(cut, role: .client), [.close(code: .goingAway, reason: String(repeating: "a", count: 122))])

        // 120 bytes + "€" is exactly 123 and fits; an emoji after 121 bytes would need 125.
        let fits = String(repeating: "a", count: 120) + "€"
        XCTAssertEqual(FrameEncoder.closeFrame(code: .goingAway, reason: fits).count, 2 + 2 + 123)
        let fourByte = String(repeating: "a", count: 121) + "😀"
        XCTAssertEqual(FrameEncoder.closeFrame(code: .goingAway, reason: fourByte).count, 2 + 2 + 121)
    }

    func testMaskedFramesRoundTripThroughTheServerReader() {
        let payload = Array("streamd ✓ κόσμε".utf8)
        XCTAssertEqual(readEvents(FrameEncoder.frame(opcode: .text, payload: payload, maskKey: 0xDEAD_BEEF)), [.text(payload)])
    }
}
