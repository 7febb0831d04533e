import XCTest

@testable import WebSocket

/// The reader holds at most the unread tail of its input plus the message
/// being assembled, and gives memory back when idle.
final class WebSocketReaderMemoryTests: XCTestCase {
    func testDrainedReaderHoldsOnlyAPartialHeader() {
        var reader = WebSocketReader(role: .server)
        let frame = clientFrame(.text, ascii("hello"))
        reader.append(frame + Array(frame[0..<3]))
        XCTAssertEqual(reader.nextEvent(), .text(ascii("hello")))
        XCTAssertNil(reader.nextEvent())
        XCTAssertEqual(reader.bufferedByteCount, 3)
        reader.append(Array(frame[3...]))
        XCTAssertEqual(reader.nextEvent(), .text(ascii("hello")))
        XCTAssertEqual(reader.bufferedByteCount, 0)
    }

    func testPayloadMovesIntoTheMessageAsItArrives() {
        var reader = WebSocketReader(role: .server)
        let frame = clientFrame(.binary, [UInt8](repeating: 5, count: 10_000))
        reader.append(Array(frame[0..<5000]))
        XCTAssertNil(reader.nextEvent())
        XCTAssertEqual(reader.bufferedByteCount, 0)
        XCTAssertTrue(reader.isMessageInProgress)
        reader.append(Array(frame[5000...]))
        XCTAssertEqual(reader.nextEvent(), .binary([UInt8](repeating: 5, count: 10_000)))
        XCTAssertFalse(reader.isMessageInProgress)
    }

    func testReleaseIdleMemoryKeepsPendingBytes() {
        var reader = WebSocketReader(role: .server)
        let frame = clientFrame(.text, ascii("Hel"), fin: false) + clientFrame(.continuation, ascii("lo"))
        reader.append(Array(frame[0..<12]))  // first fragment and 3 bytes of the next header
        XCTAssertNil(reader.nextEvent())
        reader.releaseIdleMemory()
        XCTAssertEqual(reader.bufferedByteCount, 3)
        reader.append(Array(frame[12...]))
        XCTAssertEqual(reader.nextEvent(), .text(ascii("Hello")))
        reader.releaseIdleMemory()
        XCTAssertEqual(reader.bufferedByteCount, 0)
        reader.append(clientFrame(.text, ascii("again")))
        XCTAssertEqual(reader.nextEvent(), .text(ascii("again")))
    }
}
