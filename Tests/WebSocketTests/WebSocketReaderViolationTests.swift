import XCTest

@testable import WebSocket

/// Each rule of RFC 6455 a peer can break, with the close code the reader
/// answers and what it refuses to wait for.
final class WebSocketReaderViolationTests: XCTestCase {
    /// Asserts that `bytes` yield `before` events, then one failure with
    /// `code`, then nothing, whether fed whole or byte by byte.
    private func assertFails(
        _ bytes: [UInt8], with code: CloseCode, after before: [WebSocketEvent] = [],
        role: WebSocketReader.Role = .server, maxMessageSize: Int = 65536,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        for chunkSize in [nil, 1] as [Int?] {
            let events = readEvents(bytes, role: role, maxMessageSize: maxMessageSize, chunkSize: chunkSize)
            XCTAssertEqual(Array(events.dropLast()), before, file: file, line: line)
            XCTAssertEqual(events.last?.failureCode, code, "\(events)", file: file, line: line)
        }
    }

    // MARK: §5.2 header bits

    func testReservedBitsWithoutAnExtensionAre1002() {
        for rsv: UInt8 in [0x40, 0x20, 0x10, 0x70] {
            assertFails(rawFrame(0x81 | rsv, payload: ascii("x")), with: .protocolError)
        }
    }

    func testReservedOpcodesAre1002() {
        for opcode: UInt8 in [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            assertFails(rawFrame(0x80 | opcode), with: .protocolError)
        }
    }

    func testUnmaskedFrameFromAClientIs1002() {
        assertFails(hex("81 05 48 65 6c 6c 6f"), with: .protocolError)
    }

    func testMaskedFrameFromAServerIs1002() {
        assertFails(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"), with: .protocolError, role: .client)
    }

    func testHeaderRulesFailOnTwoBytesWithoutWaitingForTheRest() {
        var reader = WebSocketReader(role: .server)
        reader.append(hex("c1 85"))  // RSV1 set; mask and payload never sent
        XCTAssertEqual(reader.nextEvent()?.failureCode, .protocolError)
        XCTAssertNil(reader.nextEvent())
    }

    func testTopBitOf64BitLengthIs1002() {
        assertFails(hex("82 ff 80 00 00 00 00 00 00 00 37 fa 21 3d"), with: .protocolError)
    }

    // MARK: §5.5 control frames

    func testControlPayloadOver125Is1002() {
        assertFails(hex("89 fe 00 7e"), with: .protocolError)  // ping, 126 bytes
        assertFails(hex("8a fe 00 7e"), with: .protocolError)  // pong
        assertFails(hex("88 fe 00 7e"), with: .protocolError)  // close
        assertFails(clientFrame(.ping, [UInt8](repeating: 0x61, count: 126)), with: .protocolError)
    }

    func testControlPayloadOf125IsFine() {
        let payload = [UInt8](repeating: 0x61, count: 125)
        XCTAssertEqual(readEvents(clientFrame(.ping, payload)), [.ping(payload)])
    }

    func testFragmentedControlFrameIs1002() {
        assertFails(clientFrame(.ping, ascii("x"), fin: false), with: .protocolError)
        assertFails(clientFrame(.close, [0x03, 0xe8], fin: false), with: .protocolError)
    }

    // MARK: §5.4 fragmentation

    func testContinuationWithNoMessageInProgressIs1002() {
        assertFails(clientFrame(.continuation, ascii("lo")), with: .protocolError)
        // A finished message leaves nothing to continue.
        assertFails(
            clientFrame(.text, ascii("Hel")) + clientFrame(.continuation, ascii("lo")),
            with: .protocolError, after: [.text(ascii("Hel"))])
    }

    func testNewDataMessageWhileOneIsInProgressIs1002() {
        assertFails(clientFrame(.text, ascii("Hel"), fin: false) + clientFrame(.text, ascii("lo")), with: .protocolError)
        assertFails(clientFrame(.binary, [1], fin: false) + clientFrame(.text, ascii("x")), with: .protocolError)
    }

    // MARK: §5.5.1 and §7.4 close frames

    func testCloseWithOneBytePayloadIs1002() {
        assertFails(clientFrame(.close, [0x03]), with: .protocolError)
    }

    func testCloseWithACodeNotAllowedOnTheWireIs1002() {
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
            let payload = [UInt8(code >> 8), UInt8(code & 0xff)]
            assertFails(clientFrame(.close, payload), with: .protocolError)
        }
    }

    func testCloseWithEveryValidCodeIsDelivered() {
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999] {
            let payload = [UInt8(code >> 8), UInt8(code & 0xff)]
            XCTAssertEqual(readEvents(clientFrame(.close, payload)), [.close(code: CloseCode(code), reason: "")])
        }
    }

    func testCloseReasonThatIsNotUTF8Is1007() {
        assertFails(clientFrame(.close, hex("03 e8 ce ba ed a0 80")), with: .invalidPayload)
        assertFails(clientFrame(.close, hex("03 e8 ce")), with: .invalidPayload)  // truncated
    }

    // MARK: §8.1 UTF-8 in text messages

    func testAutobahnInvalidSequencesAre1007() {
        let cases: [(String, [UInt8])] = [
            ("overlong solidus", hex("c0 af")),
            ("surrogate U+D800", hex("ed a0 80")),
            ("above U+10FFFF", hex("f4 90 80 80")),
            ("lone continuation", hex("80")),
            ("0xFE", hex("fe")),
            ("truncated at end of message", hex("ce ba e1 bd")),
            ("Autobahn 6.3.1", hex("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64")),
        ]
        for (name, bytes) in cases {
            let events = readEvents(clientFrame(.text, bytes), chunkSize: 1)
            XCTAssertEqual(events.map(\.failureCode), [.invalidPayload], name)
        }
    }

    func testInvalidUTF8FailsInTheFirstFragmentBeforeTheMessageEnds() {
        var reader = WebSocketReader(role: .server)
        reader.append(clientFrame(.text, hex("ce ba e1 bd b9 cf 83 ce bc ce b5"), fin: false))
        XCTAssertNil(reader.nextEvent())
        reader.append(clientFrame(.continuation, hex("f4 90 80 80 65 64"), fin: false))
        XCTAssertEqual(reader.nextEvent()?.failureCode, .invalidPayload)
    }

    func testInvalidUTF8FailsMidFrameBeforeTheFrameEnds() {
        // Autobahn 6.4.x: the bad byte arrives, the rest of the frame does not.
        var reader = WebSocketReader(role: .server)
        let frame = clientFrame(.text, hex("ce ba e1 bd b9 cf 83 ce bc ce b5 f4 90 80 80 65 64 69 74 65 64"))
        reader.append(Array(frame[0..<(6 + 13)]))  // header, mask, payload up to f4 90
        XCTAssertEqual(reader.nextEvent()?.failureCode, .invalidPayload)
        XCTAssertNil(reader.nextEvent())
    }

    func testTextEndingInsideACodePointAcrossFragmentsIs1007() {
        assertFails(clientFrame(.text, ascii("ok"), fin: false) + clientFrame(.continuation, hex("e2 82")), with: .invalidPayload)
    }

    func testBinaryMessagesAreNotCheckedForUTF8() {
        XCTAssertEqual(readEvents(clientFrame(.binary, hex("c0 af ff"))), [.binary(hex("c0 af ff"))])
    }

    // MARK: message size (§10.4)

    func testMessageOfExactlyTheLimitPasses() {
        let payload = [UInt8](repeating: 0x61, count: 1000)
        XCTAssertEqual(readEvents(clientFrame(.text, payload), maxMessageSize: 1000), [.text(payload)])
        let fragmented = clientFrame(.text, Array(payload[..<600]), fin: false)
            + clientFrame(.continuation, Array(payload[600...]))
        XCTAssertEqual(readEvents(fragmented, maxMessageSize: 1000, chunkSize: 1), [.text(payload)])
    }

    func testOneByteOverTheLimitFailsAtTheHeaderWithNoPayloadSent() {
        var reader = WebSocketReader(role: .server, maxMessageSize: 1000)
        reader.append(hex("82 fe 03 e9"))  // 1001 bytes announced; no mask, no payload yet
        XCTAssertEqual(reader.nextEvent()?.failureCode, .messageTooBig)
    }

    func testFragmentsThatAddUpPastTheLimitFailAtTheLastHeader() {
        var reader = WebSocketReader(role: .server, maxMessageSize: 1000)
        reader.append(clientFrame(.binary, [UInt8](repeating: 1, count: 600), fin: false))
        XCTAssertNil(reader.nextEvent())
        reader.append(hex("80 fe 01 91"))  // a 401-byte continuation: 1001 in all
        XCTAssertEqual(reader.nextEvent()?.failureCode, .messageTooBig)
    }

    func testHugeAnnouncedLengthIs1009NotACrash() {
        assertFails(hex("82 ff 7f ff ff ff ff ff ff ff"), with: .messageTooBig)
    }

    // MARK: after a failure

    func testNothingIsReadAfterAFailure() {
        var reader = WebSocketReader(role: .server)
        reader.append(hex("81 05 48 65 6c 6c 6f") + clientFrame(.text, ascii("ok")))
        XCTAssertEqual(reader.nextEvent()?.failureCode, .protocolError)
        XCTAssertNil(reader.nextEvent())
        reader.append(clientFrame(.text, ascii("ok")))
        XCTAssertNil(reader.nextEvent())
        XCTAssertEqual(reader.bufferedByteCount, 0)
    }

    func testMessagesBeforeTheViolationAreDeliveredFirst() {
        assertFails(
            clientFrame(.text, ascii("one")) + clientFrame(.ping, [7]) + rawFrame(0x83),
            with: .protocolError, after: [.text(ascii("one")), .ping([7])])
    }
}
