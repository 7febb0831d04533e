import XCTest

@testable import TLS

final class ByteQueueTests: XCTestCase {
    func testAppendConsumeAndRelease() {
        var queue = ByteQueue()
        XCTAssertEqual(queue.capacity, 0)
        [UInt8](1...10).withUnsafeBytes { queue.append($0) }
        XCTAssertEqual(queue.count, 10)
        queue.consume(4)
        XCTAssertEqual(Array(queue.readableBytes), [5, 6, 7, 8, 9, 10])
        var out = [UInt8](repeating: 0, count: 4)
        XCTAssertEqual(out.withUnsafeMutableBytes { queue.read(into: $0) }, 4)
        XCTAssertEqual(out, [5, 6, 7, 8])
        queue.releaseStorage()
        XCTAssertGreaterThan(queue.capacity, 0, "not released while bytes remain")
        queue.consume(2)
        queue.releaseStorage()
        XCTAssertEqual(queue.capacity, 0)
    }

    func testGrowsAndCompactsPreservingOrder() {
        var queue = ByteQueue()
        var expected: [UInt8] = []
        for round in 0..<50 {
            let chunk = (0..<(round * 97 % 3000)).map { UInt8(truncatingIfNeeded: $0 &+ round) }
            chunk.withUnsafeBytes { queue.append($0) }
            expected += chunk
            let take = min(queue.count, round * 53 % 2500)
            XCTAssertEqual(Array(queue.readableBytes.prefix(take)), Array(expected.prefix(take)))
            queue.consume(take)
            expected.removeFirst(take)
        }
        XCTAssertEqual(Array(queue.readableBytes), expected)
    }
}
