import Base
import Broadcast
import XCTest

/// The queue's rules written the obvious way: an array, linear scans.
private struct ReferenceQueue {
    enum Item {
        case stream(StreamMessage, conflatable: Bool)
        case control([UInt8])

        var size: Int {
            switch self {
            case .stream(let message, _): message.frame.count
            case .control(let frame): frame.count
            }
        }
        var isConflatable: Bool { if case .stream(_, true) = self { true } else { false } }
    }

    let limit: Int
    var items: [Item] = []
    var conflated = 0
    var dropped = 0

    var streamBytes: Int { items.reduce(0) { if case .stream = $1 { $0 + $1.size } else { $0 } } }
    var byteCount: Int { items.reduce(0) { $0 + $1.size } }

    mutating func enqueue(_ message: StreamMessage, policy: DeliveryPolicy) -> EnqueueOutcome {
        let size = message.frame.count
        if policy == .conflate, let index = items.firstIndex(where: {
            if case .stream(let queued, true) = $0 { queued.channel == message.channel } else { false }
        }) {
            items[index] = .stream(message, conflatable: true)
            conflated += 1
            return .conflated
        }
        if streamBytes + size > limit {
            switch policy {
            case .reliable: return .overflow
            case .dropNewest: dropped += 1; return .dropped
            case .conflate:
                let conflatableBytes = items.filter(\.isConflatable).reduce(0) { $0 + $1.size }
                if streamBytes - conflatableBytes + size > limit { dropped += 1; return .dropped }
                while streamBytes + size > limit {
                    items.remove(at: items.firstIndex(where: \.isConflatable)!)
                    dropped += 1
                }
            }
        }
        items.append(.stream(message, conflatable: policy == .conflate))
        return .queued
    }

    mutating func drain(maxBytes: Int) -> (frames: Int, bytes: [UInt8]) {
        var bytes: [UInt8] = []
        var frames = 0
        while let item = items.first, frames == 0 || bytes.count + item.size <= maxBytes {
            switch item {
            case .stream(let message, _): bytes += message.frame
            case .control(let frame): bytes += frame
            }
            items.removeFirst()
            frames += 1
        }
        return (frames, bytes)
    }
}

final class OutboundQueueModelTests: XCTestCase {
    func testRandomOperationsMatchTheReferenceModel() {
        let channels: [(String, DeliveryPolicy)] = [
            ("tick:A", .conflate), ("tick:B", .conflate), ("tick:C", .conflate), ("tick:D", .conflate),
            ("tick:E", .conflate), ("order:a", .reliable), ("idea:X", .dropNewest), ("signal:Y", .dropNewest),
        ]
        for seed in UInt64(1)...20 {
            var random = SplitMix64(seed: seed)
            let limit = Int.random(in: 50...300, using: &random)
            var queue = OutboundQueue(limitBytes: limit)
            var model = ReferenceQueue(limit: limit)
            var counter: UInt64 = 0
            for step in 0..<5000 {
                let context = "seed \(seed) step \(step)"
                counter += 1
                switch Int.random(in: 0..<100, using: &random) {
                case 0..<65:
                    let (channel, policy) = channels.randomElement(using: &random)!
                    let size = Int.random(in: 1...60, using: &random)
                    // Distinct contents per message, so any misplaced frame shows in the bytes.
                    let frame = (0..<size).map { UInt8(truncatingIfNeeded: counter &+ UInt64($0)) }
                    let message = StreamMessage(channel: channel, type: "t", seq: counter, epoch: "e1", timeMilliseconds: 0, frame: frame)
                    XCTAssertEqual(queue.enqueue(message, policy: policy), model.enqueue(message, policy: policy), context)
                case 65..<72:
                    let frame = [UInt8](repeating: UInt8(truncatingIfNeeded: counter), count: Int.random(in: 2...8, using: &random))
                    queue.enqueueControl(frame)
                    model.items.append(.control(frame))
                case 72..<97:
                    let maxBytes = Int.random(in: 0...150, using: &random)
                    var buffer: [UInt8] = []
                    let frames = queue.drain(into: &buffer, maxBytes: maxBytes)
                    let expected = model.drain(maxBytes: maxBytes)
                    XCTAssertEqual(frames, expected.frames, context)
                    XCTAssertEqual(buffer, expected.bytes, context)
                default:
                    queue.releaseMemory()
                    if queue.isEmpty { XCTAssertEqual(queue.reservedCapacity, 0, context) }
                }
                XCTAssertEqual(queue.count, model.items.count, context)
                XCTAssertEqual(queue.byteCount, model.byteCount, context)
                XCTAssertEqual(queue.streamBytes, model.streamBytes, context)
                XCTAssertEqual(queue.isEmpty, model.items.isEmpty, context)
                XCTAssertEqual(queue.conflatedCount, model.conflated, context)
                XCTAssertEqual(queue.droppedCount, model.dropped, context)
                if queue.count != model.items.count { return }  // one divergence is enough to read
            }
            XCTAssertGreaterThan(model.conflated, 0, "seed \(seed) exercised conflation")
            XCTAssertGreaterThan(model.dropped, 0, "seed \(seed) exercised the limit")
        }
    }

    /// Keeps a queue busy for many cycles without ever emptying it, so the
    /// ring wraps and grows while conflation positions stay in use.
    func testLongRunWithoutEmptyingKeepsConflationPositionsRight() {
        var queue = OutboundQueue(limitBytes: 10_000)
        var sent: [UInt64] = []
        var latest: [String: UInt64] = [:]
        for seq in UInt64(1)...20_000 {
            let channel = "tick:\(seq % 7)"
            latest[channel] = seq
            var frame = [UInt8](repeating: 0, count: 8)
            withUnsafeBytes(of: seq.littleEndian) { frame.replaceSubrange(0..<8, with: $0) }
            _ = queue.enqueue(StreamMessage(channel: channel, type: "tick", seq: seq, epoch: "e1", timeMilliseconds: 0, frame: frame), policy: .conflate)
            if seq % 3 == 0 {
                var buffer: [UInt8] = []
                queue.drain(into: &buffer, maxBytes: 16)
                for start in stride(from: 0, to: buffer.count, by: 8) {
                    sent.append(buffer[start..<(start + 8)].enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * $1.offset) })
                }
            }
        }
        XCTAssertLessThanOrEqual(queue.count, 7, "one tick per symbol is all that can be waiting")
        var buffer: [UInt8] = []
        queue.drain(into: &buffer, maxBytes: .max)
        for start in stride(from: 0, to: buffer.count, by: 8) {
            sent.append(buffer[start..<(start + 8)].enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * $1.offset) })
        }
        for channel in latest.keys {
            let index = Int(channel.dropFirst(5))!
            let sentOfChannel = sent.filter { Int($0 % 7) == index }
            XCTAssertEqual(sentOfChannel, sentOfChannel.sorted(), "\(channel): sent in seq order")
            XCTAssertEqual(sentOfChannel.last, latest[channel], "\(channel): the newest value is delivered")
        }
        XCTAssertGreaterThan(queue.conflatedCount, 0)
    }
}
