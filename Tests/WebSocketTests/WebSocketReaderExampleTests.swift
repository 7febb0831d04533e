import XCTest

@testable import WebSocket

/// RFC 6455 §5.7 examples and other valid traffic. Every case is also fed one
/// byte at a time: TLS records split frames anywhere.
final class WebSocketReaderExampleTests: XCTestCase {
    /// Asserts the events whole, then byte by byte, then in 3-byte chunks.
    private func assertEvents(
        _ bytes: [UInt8], role: WebSocketReader.Role = .server, maxMessageSize: Int = 65536,
        _ expected: [WebSocketEvent], file: StaticString = #filePath, line: UInt = #line
    ) {
        for chunkSize in [nil, 1, 3] as [Int?] {
            XCTAssertEqual(
                readEvents(bytes, role: role, maxMessageSize: maxMessageSize, chunkSize: chunkSize),
                expected, "chunk size \(chunkSize.map(String.init) ?? "all")", file: file, line: line)
        }
    }

    func testSingleFrameUnmaskedTextToClient() {
        assertEvents(hex("81 05 48 65 6c 6c 6f"), role: .client, [.text(ascii("Hello"))])
    }

    func testSingleFrameMaskedTextToServer() {
        assertEvents(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"), [.text(ascii("Hello"))])
    }

    func testFragmentedUnmaskedText() {
        assertEvents(hex("01 03 48 65 6c 80 02 6c 6f"), role: .client, [.text(ascii("Hello"))])
    }

    func testFragmentedMaskedText() {
        let bytes = clientFrame(.text, ascii("Hel"), fin: false) + clientFrame(.continuation, ascii("lo"))
        assertEvents(bytes, [.text(ascii("Hello"))])
    }

    func testUnmaskedPingAndMaskedPongFromTheRFC() {
        assertEvents(hex("89 05 48 65 6c 6c 6f"), role: .client, [.ping(ascii("Hello"))])
        assertEvents(hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"), [.pong(ascii("Hello"))])
    }

    func testMaskedPingToServer() {
        assertEvents(hex("89 85 37 fa 21 3d 7f 9f 4d 51 58"), [.ping(ascii("Hello"))])
    }

    func test256ByteBinaryUsesA16BitLength() {
        let payload = (0..<256).map { UInt8(truncatingIfNeeded: $0) }
        let unmasked = hex("82 7e 01 00") + payload
        assertEvents(unmasked, role: .client, [.binary(payload)])
        let masked = clientFrame(.binary, payload)
        XCTAssertEqual(Array(masked[0..<8]), hex("82 fe 01 00 37 fa 21 3d"))
        assertEvents(masked, [.binary(payload)])
    }

    func test64KiBBinaryUsesA64BitLength() {
        let payload = (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let unmasked = hex("82 7f 00 00 00 00 00 01 00 00") + payload
        XCTAssertEqual(readEvents(unmasked, role: .client), [.binary(payload)])
        XCTAssertEqual(readEvents(unmasked, role: .client, chunkSize: 1000), [.binary(payload)])
        let masked = clientFrame(.binary, payload)
        XCTAssertEqual(Array(masked[0..<14]), hex("82 ff 00 00 00 00 00 01 00 00 37 fa 21 3d"))
        XCTAssertEqual(readEvents(masked), [.binary(payload)])
        XCTAssertEqual(readEvents(masked, chunkSize: 7), [.binary(payload)])
    }

    func testNonMinimalLengthEncodingsAreTolerated() {
        assertEvents(hex("82 7e 00 02 01 02"), role: .client, [.binary([1, 2])])
        assertEvents(hex("82 7f 00 00 00 00 00 00 00 02 01 02"), role: .client, [.binary([1, 2])])
    }

    func testEmptyMessagesAndControlFrames() {
        let bytes = clientFrame(.text, []) + clientFrame(.binary, []) + clientFrame(.ping, [])
            + clientFrame(.pong, [])
        assertEvents(bytes, [.text([]), .binary([]), .ping([]), .pong([])])
    }

    func testEmptyFragmentsAroundAMessage() {
        let bytes = clientFrame(.text, [], fin: false) + clientFrame(.continuation, ascii("a"), fin: false)
            + clientFrame(.continuation, [], fin: false) + clientFrame(.continuation, [])
        assertEvents(bytes, [.text(ascii("a"))])
    }

    func testPingInterleavedBetweenFragments() {
        let bytes = clientFrame(.text, ascii("Hel"), fin: false) + clientFrame(.ping, ascii("are you there"))
            + clientFrame(.continuation, ascii("l"), fin: false) + clientFrame(.pong, [])
            + clientFrame(.continuation, ascii("o"))
        assertEvents(bytes, [.ping(ascii("are you there")), .pong([]), .text(ascii("Hello"))])
    }

    func testCloseInterleavedBetweenFragmentsEndsTheStream() {
        let bytes = clientFrame(.binary, [1], fin: false) + FrameEncoder.closeFrame(code: .goingAway, maskKey: 1)
            + clientFrame(.continuation, [2])
        assertEvents(bytes, [.close(code: .goingAway, reason: "")])
    }

    func testSeveralMessagesInOneChunkComeOutInOrder() {
        let bytes = clientFrame(.text, ascii("one")) + clientFrame(.binary, [2]) + clientFrame(.text, ascii("three"))
        assertEvents(bytes, [.text(ascii("one")), .binary([2]), .text(ascii("three"))])
    }

    func testMultiFragmentUTF8SplitInsideACodePoint() {
        // "€uro κόσμε" with fragments cutting the euro sign and a Greek letter.
        let text = Array("€uro κόσμε".utf8)
        let bytes = clientFrame(.text, Array(text[0..<1]), fin: false)
            + clientFrame(.continuation, Array(text[1..<2]), fin: false)
            + clientFrame(.continuation, Array(text[2..<9]), fin: false)
            + clientFrame(.continuation, Array(text[9...]))
        assertEvents(bytes, [.text(text)])
    }

    func testCloseWithCodeAndReason() {
        assertEvents(
            FrameEncoder.closeFrame(code: .normal, reason: "bye ✓", maskKey: rfcMaskKey),
            [.close(code: .normal, reason: "bye ✓")])
        assertEvents(hex("88 02 03 e8"), role: .client, [.close(code: .normal, reason: "")])
    }

    func testEmptyCloseHasNoCode() {
        assertEvents(hex("88 80 37 fa 21 3d"), [.close(code: nil, reason: "")])
    }

    func testNothingIsReadAfterClose() {
        var reader = WebSocketReader(role: .server)
        reader.append(FrameEncoder.closeFrame(code: .normal, maskKey: 9) + clientFrame(.text, ascii("late")))
        XCTAssertEqual(reader.nextEvent(), .close(code: .normal, reason: ""))
        XCTAssertNil(reader.nextEvent())
        XCTAssertTrue(reader.isFinished)
        reader.append(clientFrame(.text, ascii("later")))
        XCTAssertNil(reader.nextEvent())
    }

    func testMaskingKeyOfZeroAndPayloadLengthsAroundTheEightByteStep() {
        for length in 0...20 {
            let payload = (0..<length).map { UInt8($0 + 0x41) }
            for key: UInt32 in [0, 0xFFFF_FFFF, 0x0102_0304] {
                let frame = FrameEncoder.frame(opcode: .binary, payload: payload, maskKey: key)
                assertEvents(frame, [.binary(payload)])
            }
        }
    }
}
