import Foundation
import WebSocket
import XCTest

/// RFC 6455 on the server side, grouped like the Autobahn test suite's cases.
/// The server does not echo, so a JSON `ping` operation stands in for an echo:
/// its `pong` proves the message arrived whole.
final class FramingTests: XCTestCase {
    var server: TestServer!
    var client: TestClient!

    override func setUpWithError() throws {
        server = try TestServer()
        client = try server.session()
    }
    override func tearDown() { server.stop() }

    private func pingOperation(id: Int, padding: Int = 0) -> [UInt8] {
        Array(#"{"type":"ping","id":\#(id),"pad":"\#(String(repeating: "x", count: padding))"}"#.utf8)
    }

    private func assertPong(id: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let answer = try client.nextJSON()
        XCTAssertEqual(answer["type"] as? String, "pong", file: file, line: line)
        XCTAssertEqual(answer["id"] as? Int, id, file: file, line: line)
    }

    private func assertClosed(with code: CloseCode, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try client.expectClose(), code, file: file, line: line)
        XCTAssertTrue(client.serverClosesConnection(), "server should drop TCP after failing the connection", file: file, line: line)
    }

    // MARK: 1.x framing: payload lengths of every encoding

    func testCase1_TextMessagesOfEveryLengthEncoding() throws {
        for (id, padding) in [0, 100, 125, 126, 200, 65535 - 40, 40_000].enumerated() {
            try client.sendFrame(0x1, pingOperation(id: id, padding: padding))
            try assertPong(id: id)
        }
    }

    // MARK: 2.x pings and pongs

    func testCase2_PingIsAnsweredWithTheSamePayload() throws {
        for payload in [[], Array("Hello".utf8), [UInt8](repeating: 0xfe, count: 125)] {
            try client.sendFrame(0x9, payload)
            guard case .pong(let answer) = try client.nextEvent() else { return XCTFail("expected pong") }
            XCTAssertEqual(answer, payload)
        }
    }

    func testCase2_UnsolicitedPongIsIgnored() throws {
        try client.sendFrame(0xA, Array("unsolicited".utf8))
        try client.sendFrame(0x1, pingOperation(id: 7))
        try assertPong(id: 7)
    }

    func testCase2_PingOver125BytesIsAProtocolError() throws {
        try client.sendFrame(0x9, [UInt8](repeating: 0, count: 126))
        try assertClosed(with: .protocolError)
    }

    func testCase2_FragmentedPingIsAProtocolError() throws {
        try client.sendFrame(0x9, Array("ab".utf8), fin: false)
        try assertClosed(with: .protocolError)
    }

    // MARK: 3.x reserved bits

    func testCase3_ReservedBitsAreProtocolErrors() throws {
        for rsv: UInt8 in [1, 2, 3, 4, 5, 6, 7] {
            let c = try server.session()
            try c.sendFrame(0x1, pingOperation(id: 1), rsv: rsv)
            XCTAssertEqual(try c.expectClose(), .protocolError, "rsv \(rsv)")
        }
    }

    // MARK: 4.x opcodes

    func testCase4_ReservedOpcodesAreProtocolErrors() throws {
        for opcode: UInt8 in [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            let c = try server.session()
            try c.sendFrame(opcode, [])
            XCTAssertEqual(try c.expectClose(), .protocolError, "opcode \(opcode)")
        }
    }

    // MARK: 5.x fragmentation

    func testCase5_FragmentedMessageWithInterleavedPings() throws {
        let message = pingOperation(id: 5, padding: 300)
        try client.sendFrame(0x1, Array(message[0..<10]), fin: false)
        try client.sendFrame(0x9, Array("mid".utf8))
        try client.sendFrame(0x0, Array(message[10..<200]), fin: false)
        try client.sendFrame(0x9, Array("mid2".utf8))
        try client.sendFrame(0x0, Array(message[200...]), fin: true)
        guard case .pong(let p1) = try client.nextEvent() else { return XCTFail("expected pong 1") }
        guard case .pong(let p2) = try client.nextEvent() else { return XCTFail("expected pong 2") }
        XCTAssertEqual(p1, Array("mid".utf8))
        XCTAssertEqual(p2, Array("mid2".utf8))
        try assertPong(id: 5)
    }

    func testCase5_FrameSplitAcrossTLSRecordsByteByByte() throws {
        let frame = RawFrame.make(opcode: 0x1, payload: pingOperation(id: 9, padding: 20))
        for byte in frame { try client.send([byte]) }
        try assertPong(id: 9)
    }

    func testCase5_ContinuationWithoutStartIsAProtocolError() throws {
        try client.sendFrame(0x0, Array("orphan".utf8), fin: true)
        try assertClosed(with: .protocolError)
    }

    func testCase5_NewMessageInsideAFragmentedOneIsAProtocolError() throws {
        try client.sendFrame(0x1, Array("{\"type\"".utf8), fin: false)
        try client.sendFrame(0x1, pingOperation(id: 1))
        try assertClosed(with: .protocolError)
    }

    // MARK: 6.x UTF-8

    func testCase6_InvalidUTF8IsClosedWith1007() throws {
        try client.sendFrame(0x1, [0x7b, 0xc0, 0xaf, 0x7d])  // overlong '/'
        try assertClosed(with: .invalidPayload)
    }

    func testCase6_InvalidUTF8FailsFastInTheFirstFragment() throws {
        // Surrogate half in fragment 1; the message is never finished.
        try client.sendFrame(0x1, [0x22, 0xed, 0xa0, 0x80], fin: false)
        try assertClosed(with: .invalidPayload)
    }

    func testCase6_CodePointSplitAcrossFragmentsIsValid() throws {
        let text = Array(#"{"type":"ping","id":6,"note":"κόσμε €"}"#.utf8)
        let split = text.firstIndex(of: 0xce)! + 1   // inside the two-byte 'κ'
        try client.sendFrame(0x1, Array(text[..<split]), fin: false)
        try client.sendFrame(0x0, Array(text[split...]), fin: true)
        try assertPong(id: 6)
    }

    // MARK: 7.x close handling

    func testCase7_CloseIsEchoedAndTheServerClosesTCP() throws {
        try client.send(RawFrame.make(opcode: 0x8, payload: [0x03, 0xe8] + Array("bye".utf8)))
        try assertClosed(with: .normal)
    }

    func testCase7_EmptyCloseIsAnsweredWithEmptyClose() throws {
        try client.sendFrame(0x8, [])
        XCTAssertNil(try client.expectClose())
        XCTAssertTrue(client.serverClosesConnection())
    }

    func testCase7_OneByteClosePayloadIsAProtocolError() throws {
        try client.sendFrame(0x8, [0x03])
        try assertClosed(with: .protocolError)
    }

    func testCase7_InvalidCloseCodesAreProtocolErrors() throws {
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535] {
            let c = try server.session()
            try c.sendFrame(0x8, [UInt8(code >> 8), UInt8(code & 0xff)])
            XCTAssertEqual(try c.expectClose(), .protocolError, "code \(code)")
        }
    }

    func testCase7_ValidCloseCodesAreEchoed() throws {
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] {
            let c = try server.session()
            try c.sendFrame(0x8, [UInt8(code >> 8), UInt8(code & 0xff)])
            XCTAssertEqual(try c.expectClose()?.rawValue, code)
        }
    }

    func testCase7_CloseReasonMustBeUTF8() throws {
        try client.sendFrame(0x8, [0x03, 0xe8, 0xff, 0xfe])
        try assertClosed(with: .invalidPayload)
    }

    func testCase7_DataAfterCloseIsIgnored() throws {
        try client.send(RawFrame.make(opcode: 0x8, payload: [0x03, 0xe8]) + RawFrame.make(opcode: 0x1, payload: pingOperation(id: 1)))
        XCTAssertEqual(try client.expectClose(), .normal)
        XCTAssertTrue(client.serverClosesConnection())
    }

    // MARK: 9.x limits

    func testCase9_MessageAtTheSizeLimitPasses() throws {
        let base = pingOperation(id: 1).count
        try client.sendFrame(0x1, pingOperation(id: 1, padding: 65536 - base))
        try assertPong(id: 1)
    }

    func testCase9_OneByteOverTheLimitIs1009() throws {
        let base = pingOperation(id: 1).count
        try client.sendFrame(0x1, pingOperation(id: 1, padding: 65537 - base))
        try assertClosed(with: .messageTooBig)
    }

    func testCase9_LimitAppliesToTheSumOfFragments() throws {
        try client.sendFrame(0x1, [UInt8](repeating: 0x20, count: 40_000), fin: false)
        try client.sendFrame(0x0, [UInt8](repeating: 0x20, count: 40_000), fin: true)
        try assertClosed(with: .messageTooBig)
    }

    func testCase9_HugeAnnouncedLengthIsRefusedFromTheHeaderAlone() throws {
        // 64-bit length of 2^40 with no payload at all: the server must not wait for it.
        let header: [UInt8] = [0x81, 0xff, 0, 0, 0x01, 0, 0, 0, 0, 0, 0x37, 0xfa, 0x21, 0x3d]
        try client.send(header)
        try assertClosed(with: .messageTooBig)
    }

    // MARK: 10.x misc

    func testUnmaskedClientFrameIsAProtocolError() throws {
        try client.sendFrame(0x1, pingOperation(id: 1), masked: false)
        try assertClosed(with: .protocolError)
    }

    func testBinaryFramesAreClosedWith1003() throws {
        try client.sendFrame(0x2, [1, 2, 3])
        XCTAssertEqual(try client.expectClose(), .unsupportedData)
    }

    func testMalformedJSONGetsAnErrorAndTheSessionStays() throws {
        try client.sendText("{not json")
        let error = try client.nextJSON()
        XCTAssertEqual(error["type"] as? String, "error")
        XCTAssertEqual((error["data"] as? [String: Any])?["code"] as? String, "bad_request")
        try client.sendFrame(0x1, pingOperation(id: 2))
        try assertPong(id: 2)
    }

    func testAProtocolViolationDoesNotDisturbOtherSessions() throws {
        let bystander = try server.session()
        try client.sendFrame(0x1, [0xff])
        try assertClosed(with: .invalidPayload)
        try bystander.sendText(#"{"type":"ping","id":42}"#)
        XCTAssertEqual(try bystander.nextJSON()["id"] as? Int, 42)
    }
}
