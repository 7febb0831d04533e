import WebSocket
import XCTest

/// permessage-deflate (RFC 7692): the §7.2.3 examples byte for byte, the
/// negotiation table, compressed messages through the reader (fragmented,
/// corrupt, oversized), and the frame-bit rules of §6.
final class PerMessageDeflateTests: XCTestCase {
    // MARK: §7.2.3 examples

    func testHelloCompressesAsTheRFCPrintsIt() throws {
        for level in [1, 6, 9] {
            let deflater = try XCTUnwrap(MessageDeflater(windowBits: 15, level: level))
            XCTAssertEqual(deflater.compress(ascii("Hello")), hex("f2 48 cd c9 c9 07 00"), "level \(level)")
            XCTAssertEqual(deflater.compress(ascii("Hello")), hex("f2 48 cd c9 c9 07 00"), "no context carries over")
        }
    }

    private func inflate(_ payloads: [[UInt8]], windowBits: Int = 15) throws -> [String] {
        let inflater = try XCTUnwrap(MessageInflater(windowBits: windowBits))
        return try payloads.map { payload in
            var out: [UInt8] = []
            let failure = payload.withUnsafeBytes { inflater.inflate($0, isFinal: true, into: &out, limit: 1000) }
            if let failure { throw failure }
            return String(decoding: out, as: UTF8.self)
        }
    }

    func testTheRFCExamplesInflate() throws {
        XCTAssertEqual(try inflate([hex("f2 48 cd c9 c9 07 00")]), ["Hello"], "§7.2.3.1")
        XCTAssertEqual(try inflate([hex("f2 48 cd c9 c9 07 00"), hex("f2 00 11 00 00")]), ["Hello", "Hello"],
                       "§7.2.3.2: the second message refers to the first one's window")
        XCTAssertEqual(try inflate([hex("00 05 00 fa ff 48 65 6c 6c 6f 00")]), ["Hello"], "§7.2.3.3: a stored block")
        XCTAssertEqual(try inflate([hex("f3 48 cd c9 c9 07 00 00")]), ["Hello"], "§7.2.3.4: BFINAL set")
        XCTAssertEqual(try inflate([hex("f2 48 05 00 00 00 ff ff ca c9 c9 07 00")]), ["Hello"], "§7.2.3.5: two blocks")
    }

    func testTheRFCFramesThroughTheReaderIncludingFragments() {
        // §7.2.3.1 as the client would send it: one frame, then the same message in two fragments.
        var reader = WebSocketReader(role: .server)
        reader.enableCompression(windowBits: 15, noContextTakeover: true)
        var one = FrameEncoder.frame(opcode: .text, payload: hex("f2 48 cd c9 c9 07 00"), maskKey: rfcMaskKey)
        one[0] |= 0x40
        var first = FrameEncoder.frame(opcode: .text, payload: hex("f2 48 cd"), fin: false, maskKey: rfcMaskKey)
        first[0] |= 0x40
        let second = FrameEncoder.frame(opcode: .continuation, payload: hex("c9 c9 07 00"), maskKey: rfcMaskKey)
        let ping = FrameEncoder.frame(opcode: .ping, payload: ascii("p"), maskKey: rfcMaskKey)
        for byte in one + first + ping + second { reader.append([byte]) }  // byte by byte
        var events: [WebSocketEvent] = []
        while let event = reader.nextEvent() { events.append(event) }
        XCTAssertEqual(events, [.text(ascii("Hello")), .ping(ascii("p")), .text(ascii("Hello"))])
    }

    func testAClientReadsFragmentedCompressedMessagesFromAServer() throws {
        let deflater = try XCTUnwrap(MessageDeflater(windowBits: 15, level: 1))
        let text = Array(String(repeating: "{\"symbol\":\"EURUSD\",\"bid\":1.085}", count: 50).utf8)
        let compressed = deflater.compress(text)
        var first = FrameEncoder.frame(opcode: .text, payload: Array(compressed[..<10]), fin: false)
        first[0] |= 0x40
        let middle = FrameEncoder.frame(opcode: .continuation, payload: Array(compressed[10..<20]), fin: false)
        let last = FrameEncoder.frame(opcode: .continuation, payload: Array(compressed[20...]))
        var reader = WebSocketReader(role: .client)
        reader.enableCompression(windowBits: 15, noContextTakeover: true)
        reader.append(first + middle + last)
        XCTAssertEqual(reader.nextEvent(), .text(text))
    }

    func testAStreamMadeWithALargerWindowDoesNotInflateInASmallerOne() throws {
        // Why honouring server_max_window_bits matters, and what the integration test relies on.
        let block = Array((0..<120).map { #"{"k\#($0)":"v\#($0 * 7919 % 1000)"}"# }.joined(separator: ",").utf8)
        let message = block + block + block + block
        let wide = try XCTUnwrap(MessageDeflater(windowBits: 15, level: 1)).compress(message)
        let narrow = try XCTUnwrap(MessageDeflater(windowBits: 10, level: 1)).compress(message)
        func inflate(_ payload: [UInt8]) throws -> [UInt8] {
            var out: [UInt8] = []
            if let failure = payload.withUnsafeBytes({ try! XCTUnwrap(MessageInflater(windowBits: 10)).inflate($0, isFinal: true, into: &out, limit: 1 << 20) }) {
                throw failure
            }
            return out
        }
        XCTAssertEqual(try inflate(narrow), message)
        XCTAssertThrowsError(try inflate(wide), "references beyond 1 KiB")
    }

    func testAnUncompressedMessageStillPassesWithTheExtension() {
        var reader = WebSocketReader(role: .server)
        reader.enableCompression(windowBits: 15, noContextTakeover: true)
        reader.append(FrameEncoder.frame(opcode: .text, payload: ascii("plain"), maskKey: rfcMaskKey))
        XCTAssertEqual(reader.nextEvent(), .text(ascii("plain")))
    }

    // MARK: Hostile input

    private func compressedFrame(_ payload: [UInt8], opcode: Opcode = .text) -> [UInt8] {
        var frame = FrameEncoder.frame(opcode: opcode, payload: payload, maskKey: rfcMaskKey)
        frame[0] |= 0x40
        return frame
    }

    func testABombStopsAtTheLimitWith1009() throws {
        // 10 MB of zeros compresses to about 10 KB.
        let deflater = try XCTUnwrap(MessageDeflater(windowBits: 15, level: 9))
        let bomb = deflater.compress([UInt8](repeating: 0x61, count: 10_000_000))
        XCTAssertLessThan(bomb.count, 20_000)
        var reader = WebSocketReader(role: .server, maxMessageSize: 65536)
        reader.enableCompression(windowBits: 15, noContextTakeover: true)
        reader.append(compressedFrame(bomb))
        XCTAssertEqual(reader.nextEvent()?.failureCode, .messageTooBig)
        XCTAssertNil(reader.nextEvent(), "nothing after the failure")
    }

    func testExactlyTheLimitInflatesAndOneByteMoreDoesNot() throws {
        let deflater = try XCTUnwrap(MessageDeflater(windowBits: 15, level: 1))
        for (size, fits) in [(1000, true), (1001, false)] {
            var reader = WebSocketReader(role: .server, maxMessageSize: 1000)
            reader.enableCompression(windowBits: 15, noContextTakeover: true)
            reader.append(compressedFrame(deflater.compress([UInt8](repeating: 0x62, count: size)), opcode: .binary))
            let event = reader.nextEvent()
            if fits { XCTAssertEqual(event, .binary([UInt8](repeating: 0x62, count: size))) } else { XCTAssertEqual(event?.failureCode, .messageTooBig) }
        }
    }

    func testACorruptStreamIs1007() {
        var reader = WebSocketReader(role: .server)
        reader.enableCompression(windowBits: 15, noContextTakeover: true)
        reader.append(compressedFrame(hex("ff ff ff ff 00 01")))
        XCTAssertEqual(reader.nextEvent()?.failureCode, .invalidPayload)
    }

    func testInvalidUTF8InsideACompressedTextIs1007() throws {
        let deflater = try XCTUnwrap(MessageDeflater(windowBits: 15, level: 1))
        var reader = WebSocketReader(role: .server)
        reader.enableCompression(windowBits: 15, noContextTakeover: true)
        reader.append(compressedFrame(deflater.compress([0x48, 0xC3, 0x28])))
        XCTAssertEqual(reader.nextEvent()?.failureCode, .invalidPayload)
    }

    func testRSV1RulesOfSection6() {
        func fails(_ bytes: [UInt8], compression: Bool) -> CloseCode? {
            var reader = WebSocketReader(role: .server)
            if compression { reader.enableCompression(windowBits: 15, noContextTakeover: true) }
            reader.append(bytes)
            return reader.nextEvent()?.failureCode
        }
        XCTAssertEqual(fails(compressedFrame(hex("f2 48 cd c9 c9 07 00")), compression: false), .protocolError, "RSV1 without the extension")
        var first = FrameEncoder.frame(opcode: .text, payload: ascii("a"), fin: false, maskKey: rfcMaskKey)
        var continuation = FrameEncoder.frame(opcode: .continuation, payload: ascii("b"), maskKey: rfcMaskKey)
        continuation[0] |= 0x40
        XCTAssertEqual(fails(first + continuation, compression: true), .protocolError, "RSV1 on a continuation frame")
        var ping = FrameEncoder.frame(opcode: .ping, payload: [], maskKey: rfcMaskKey)
        ping[0] |= 0x40
        XCTAssertEqual(fails(ping, compression: true), .protocolError, "RSV1 on a control frame")
        first[0] |= 0x20
        XCTAssertEqual(fails(first, compression: true), .protocolError, "RSV2 means nothing here")
    }

    func testContextTakeoverKeepsTheWindowAndNoContextTakeoverDropsIt() {
        var keeping = WebSocketReader(role: .server)
        keeping.enableCompression(windowBits: 15, noContextTakeover: false)
        keeping.append(compressedFrame(hex("f2 48 cd c9 c9 07 00")) + compressedFrame(hex("f2 00 11 00 00")))
        XCTAssertEqual(keeping.nextEvent(), .text(ascii("Hello")))
        XCTAssertEqual(keeping.nextEvent(), .text(ascii("Hello")), "§7.2.3.2 with context takeover")
        keeping.releaseIdleMemory()
        XCTAssertTrue(keeping.holdsInflater, "the window is the context: kept while idle")

        var fresh = WebSocketReader(role: .server)
        fresh.enableCompression(windowBits: 15, noContextTakeover: true)
        fresh.append(compressedFrame(hex("f2 48 cd c9 c9 07 00")))
        XCTAssertEqual(fresh.nextEvent(), .text(ascii("Hello")))
        fresh.releaseIdleMemory()
        XCTAssertFalse(fresh.holdsInflater, "nothing to keep between messages: idle connections hold no zlib memory")
    }

    // MARK: Negotiation (§5, §7.1)

    private func negotiate(_ header: String, policy: PerMessageDeflate.ServerPolicy = .init()) -> String? {
        guard case .success(let elements) = PerMessageDeflate.parse([header]) else { return "malformed" }
        return PerMessageDeflate.negotiate(elements, policy: policy)?.responseHeader
    }

    func testTheNegotiationTable() {
        let table: [(offer: String, answer: String?)] = [
            ("permessage-deflate", "permessage-deflate; server_no_context_takeover; client_no_context_takeover"),
            ("permessage-deflate; client_max_window_bits",
             "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=15"),
            ("permessage-deflate; client_max_window_bits=10",
             "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=10"),
            ("permessage-deflate; server_max_window_bits=10",
             "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10"),
            ("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
             "permessage-deflate; server_no_context_takeover; client_no_context_takeover"),
            ("Permessage-Deflate; Client_Max_Window_Bits=\"12\"",
             "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=12"),
            // Declined: unknown, repeated or invalid parameters; a window zlib cannot honour.
            ("permessage-deflate; foo", nil),
            ("permessage-deflate; server_no_context_takeover; server_no_context_takeover", nil),
            ("permessage-deflate; server_max_window_bits", nil),
            ("permessage-deflate; server_max_window_bits=16", nil),
            ("permessage-deflate; server_max_window_bits=08", nil),
            ("permessage-deflate; server_max_window_bits=8", nil),
            ("permessage-deflate; client_max_window_bits=7", nil),
            ("permessage-deflate; server_no_context_takeover=1", nil),
            ("x-webkit-deflate-frame", nil),
            // The first acceptable offer, in the client's order.
            ("permessage-deflate; foo, permessage-deflate; server_max_window_bits=12",
             "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12"),
            ("x-other, permessage-deflate", "permessage-deflate; server_no_context_takeover; client_no_context_takeover"),
            // Malformed header syntax.
            ("permessage-deflate; =10", "malformed"),
            ("permessage-deflate; client_max_window_bits=\"10", "malformed"),
            ("permessage-deflate client_max_window_bits", "malformed"),
        ]
        for (offer, answer) in table {
            XCTAssertEqual(negotiate(offer), answer, offer)
        }
    }

    func testTheServerPolicyBoundsTheClientWindowAndMayKeepItsContext() {
        let policy = PerMessageDeflate.ServerPolicy(requestClientNoContextTakeover: false, clientMaxWindowBits: 11)
        XCTAssertEqual(negotiate("permessage-deflate; client_max_window_bits", policy: policy),
                       "permessage-deflate; server_no_context_takeover; client_max_window_bits=11")
        XCTAssertEqual(negotiate("permessage-deflate; client_max_window_bits=9", policy: policy),
                       "permessage-deflate; server_no_context_takeover; client_max_window_bits=9", "never above the offer")
        XCTAssertEqual(negotiate("permessage-deflate", policy: policy), "permessage-deflate; server_no_context_takeover",
                       "no client_max_window_bits when the offer did not allow it")
        let agreement = PerMessageDeflate.parse(["permessage-deflate; client_max_window_bits; client_no_context_takeover"])
            .map { PerMessageDeflate.negotiate($0, policy: policy) }
        XCTAssertEqual(try agreement.get()?.clientWindowBits, 11)
        XCTAssertEqual(try agreement.get()?.clientNoContextTakeover, true, "the client promised it")
        XCTAssertEqual(try agreement.get()?.serverWindowBits, 15)
    }

    func testTheClientChecksTheAnswer() throws {
        let fine = try PerMessageDeflate.acceptAnswer(["permessage-deflate; server_no_context_takeover; client_max_window_bits=12"]).get()
        XCTAssertEqual(fine?.serverWindowBits, 15)
        XCTAssertEqual(fine?.serverNoContextTakeover, true)
        XCTAssertNil(try PerMessageDeflate.acceptAnswer([]).get(), "no extension agreed")
        for bad in ["permessage-deflate; foo", "x-other", "permessage-deflate, permessage-deflate",
                    "permessage-deflate; client_max_window_bits", "permessage-deflate; server_max_window_bits=99"] {
            XCTAssertThrowsError(try PerMessageDeflate.acceptAnswer([bad]).get(), bad)
        }
    }
}
