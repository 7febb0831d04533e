/// How a channel's messages behave when a client reads too slowly.
public enum DeliveryPolicy: String, Sendable, Codable {
    /// Keep only the newest queued message per channel (ticks: a stale price
    /// is worthless, the newest one is what the client needs).
    case conflate
    /// Never drop; when the queue is full the caller closes with 4008.
    case reliable
    /// Drop the new message when the queue is full, and count it.
    case dropNewest
}

public enum EnqueueOutcome: Equatable, Sendable {
    case queued
    /// Replaced an older queued message of the same channel in place.
    case conflated
    case dropped
    /// A reliable message did not fit: the caller must close with 4008.
    case overflow
}

/// The frames waiting to be written to one client. Confined to the
/// connection's loop: no locks. Every operation is O(1) amortized.
///
/// The limit bounds stream bytes only. Control frames (answers, pongs,
/// close) are always queued and do not count against it: they are small,
/// bounded by the client's own (rate-limited) requests, and refusing them
/// would turn a slow reader into a protocol error.
///
/// Conflation: a queued-but-unwritten conflatable message of channel C is
/// replaced in place by a newer one of C, so the client gets the newest value
/// at the older position (its seq jumps, as expected for a conflated
/// channel). A replacement can exceed the limit by the size difference of the
/// two messages; ticks of one symbol have near-constant size.
public struct OutboundQueue: Sendable {
    private enum Slot: Sendable {
        case stream(StreamMessage, conflatable: Bool)
        case control([UInt8])
        /// A conflatable message dropped from the middle to make room;
        /// skipped when it reaches the head.
        case dropped
    }

    private var slots = RingBuffer<Slot>()
    /// Positions of the queued conflatable messages, oldest first. Replacement
    /// is in place and only the oldest is ever removed (by drain or by
    /// making room), so this is always exactly the live set, in order.
    private var conflatableOrder = RingBuffer<Int>()
    /// Channel → position of its queued conflatable message (at most one).
    /// Positions are absolute, so the entry stays right as the head advances;
    /// it is removed when its message leaves the queue.
    private var conflatableByChannel: [String: Int] = [:]

    public let limitBytes: Int
    /// Queued stream-message bytes: what the limit applies to.
    public private(set) var streamBytes = 0
    private var conflatableBytes = 0
    private var controlBytes = 0
    /// Queued frames (stream + control), dropped ones excluded.
    public private(set) var count = 0
    public private(set) var conflatedCount = 0
    public private(set) var droppedCount = 0

    public init(limitBytes: Int) {
        self.limitBytes = limitBytes
    }

    /// Queued bytes, stream and control.
    public var byteCount: Int { streamBytes + controlBytes }
    public var isEmpty: Bool { count == 0 }
    /// Storage slots held, for memory accounting; 0 after `releaseMemory`.
    public var reservedCapacity: Int {
        slots.capacity + conflatableOrder.capacity + conflatableByChannel.capacity
    }

    public mutating func enqueue(_ message: StreamMessage, policy: DeliveryPolicy) -> EnqueueOutcome {
        let size = message.frame.count
        if policy == .conflate, let position = conflatableByChannel[message.channel] {
            guard case .stream(let older, _) = slots[position: position] else {
                preconditionFailure("conflation index points at a slot that is not a conflatable message")
            }
            let delta = size - older.frame.count
            streamBytes += delta
            conflatableBytes += delta
            slots[position: position] = .stream(message, conflatable: true)
            conflatedCount += 1
            return .conflated
        }
        if streamBytes + size > limitBytes {
            switch policy {
            case .reliable:
                return .overflow
            case .dropNewest:
                droppedCount += 1
                return .dropped
            case .conflate:
                // Only older conflatable messages may make room; when even all
                // of them would not, keep them and drop the new one.
                guard streamBytes - conflatableBytes + size <= limitBytes else {
                    droppedCount += 1
                    return .dropped
                }
                while streamBytes + size > limitBytes { dropOldestConflatable() }
            }
        }
        let conflatable = policy == .conflate
        if conflatable {
            conflatableByChannel[message.channel] = slots.endPosition
            conflatableOrder.append(slots.endPosition)
            conflatableBytes += size
        }
        slots.append(.stream(message, conflatable: conflatable))
        streamBytes += size
        count += 1
        return .queued
    }

    /// Answers, pings, close frames: always queued, in order, never conflated.
    public mutating func enqueueControl(_ frame: [UInt8]) {
        slots.append(.control(frame))
        controlBytes += frame.count
        count += 1
    }

    /// Pops frames in FIFO order while their total stays ≤ maxBytes (at least
    /// one frame if any), appending their bytes to `buffer`, so a loop turn
    /// makes one TLS write. Returns the number of frames popped.
    @discardableResult
    public mutating func drain(into buffer: inout [UInt8], maxBytes: Int,
                               compression: (windowBits: Int, compressor: FrameCompressor)? = nil) -> Int {
        var popped = 0
        var taken = 0
        while let slot = slots.first {
            switch slot {
            case .dropped:
                slots.popFirst()
            case .control(let frame):
                if popped > 0 && taken + frame.count > maxBytes { return popped }
                buffer.append(contentsOf: frame)
                controlBytes -= frame.count
                taken += frame.count
                popped += 1
                count -= 1
                slots.popFirst()
            case .stream(let message, let conflatable):
                let size = message.frame.count
                if popped > 0 && taken + size > maxBytes { return popped }
                // Sizes are counted plain (the queue's limit is about the
                // client's backlog); the bytes sent are the agreed variant.
                if let compression {
                    buffer.append(contentsOf: compression.compressor.frame(for: message, windowBits: compression.windowBits))
                } else {
                    buffer.append(contentsOf: message.frame)
                }
                streamBytes -= size
                taken += size
                popped += 1
                count -= 1
                if conflatable { forgetConflatable(message, at: slots.startPosition, size: size) }
                slots.popFirst()
            }
        }
        return popped
    }

    /// Drops every queued stream message and keeps the control frames in
    /// order: for a client being closed as too slow, whose backlog it will
    /// recover with `since`, so the close frame need not wait behind it.
    /// Returns how many messages were dropped.
    @discardableResult
    public mutating func dropStreamMessages() -> Int {
        var kept = RingBuffer<Slot>()
        var dropped = 0
        while let slot = slots.popFirst() {
            switch slot {
            case .control: kept.append(slot)
            case .stream: dropped += 1
            case .dropped: break
            }
        }
        slots = kept
        count -= dropped
        streamBytes = 0
        conflatableBytes = 0
        conflatableOrder.reset()
        conflatableByChannel = [:]
        return dropped
    }

    /// Gives back all storage once the queue is empty: an idle connection
    /// then owns no heap memory for its queue.
    public mutating func releaseMemory() {
        guard isEmpty else { return }
        slots.reset()
        conflatableOrder.reset()
        conflatableByChannel = [:]
    }

    private mutating func dropOldestConflatable() {
        guard let position = conflatableOrder.first,
              case .stream(let message, true) = slots[position: position] else {
            preconditionFailure("dropOldestConflatable with no conflatable message queued")
        }
        let size = message.frame.count
        forgetConflatable(message, at: position, size: size)
        slots[position: position] = .dropped
        streamBytes -= size
        count -= 1
        droppedCount += 1
        while case .dropped? = slots.first { slots.popFirst() }
    }

    /// Removes the bookkeeping of the conflatable message at `position`, which
    /// is always the oldest conflatable one.
    private mutating func forgetConflatable(_ message: StreamMessage, at position: Int, size: Int) {
        let oldest = conflatableOrder.popFirst()
        assert(oldest == position, "conflatable order out of step with the queue")
        conflatableByChannel.removeValue(forKey: message.channel)
        conflatableBytes -= size
    }
}
