/// The recent messages of ONE channel, for `since` recovery: a ring bounded
/// by count (`depth`) and by age. Held under the caller's lock; no locks here.
///
/// Invariant: the stored messages have consecutive seqs. A jump in seq
/// (history restored from disk with records missing, or a publisher that
/// skipped) empties the ring, because a replay across the jump would
/// silently omit messages.
public struct ChannelHistory: Sendable {
    private struct Entry: Sendable {
        let message: StreamMessage
        let timeMilliseconds: Int64
    }

    private var entries = RingBuffer<Entry>()
    public let depth: Int
    /// Messages older than this are not offered for recovery; ≤ 0: no age bound.
    public let maxAgeMilliseconds: Int64
    /// The channel's last seq: the newest appended or restored (0: none yet).
    public private(set) var lastSeq: UInt64 = 0
    /// The newest seq actually appended; below `lastSeq` only after `restore`.
    private var lastAppendedSeq: UInt64 = 0
    private var lastTimeMilliseconds: Int64 = .min

    public init(depth: Int, maxAgeMilliseconds: Int64) {
        precondition(depth >= 0, "history depth must not be negative")
        self.depth = depth
        self.maxAgeMilliseconds = maxAgeMilliseconds
    }

    /// Number of messages held (aged ones included until `evictExpired`).
    public var count: Int { entries.count }
    /// The oldest seq held, if any.
    public var oldestSeq: UInt64? { entries.first?.message.seq }

    /// Raises the channel's last seq to `lastSeq` (from the durable log after
    /// a restart), so numbering continues and older clients are told their
    /// history is gone. Records appended afterwards may have seqs up to it.
    public mutating func restore(lastSeq restored: UInt64) {
        if restored > lastSeq { lastSeq = restored }
    }

    /// Appends `message`; its seq must be above every seq appended before.
    /// Returns false (and changes nothing) when it is not.
    @discardableResult
    public mutating func append(_ message: StreamMessage, timeMilliseconds: Int64) -> Bool {
        guard message.seq > lastAppendedSeq else { return false }
        if message.seq != lastAppendedSeq &+ 1 && !entries.isEmpty { entries.reset() }
        lastAppendedSeq = message.seq
        if message.seq > lastSeq { lastSeq = message.seq }
        // Times are clamped to be non-decreasing so aged entries are always a
        // prefix of the ring (binary search, eviction from the front).
        lastTimeMilliseconds = Swift.max(lastTimeMilliseconds, timeMilliseconds)
        guard depth > 0 else { return true }
        if entries.count == depth { entries.popFirst() }
        entries.append(Entry(message: message, timeMilliseconds: lastTimeMilliseconds))
        return true
    }

    /// Drops messages older than the age bound from the front of the ring.
    public mutating func evictExpired(nowMilliseconds: Int64) {
        let cutoff = ageCutoff(nowMilliseconds)
        while let first = entries.first, first.timeMilliseconds < cutoff { entries.popFirst() }
        if entries.isEmpty { entries.reset() }  // an idle channel gives its storage back
    }

    /// The oldest seq memory can replay from, when memory holds every
    /// message from it through `lastSeq` (nil: it holds none, or not up to
    /// the end, as after `restore`).
    public func oldestReplayable(nowMilliseconds: Int64) -> (seq: UInt64, timeMilliseconds: Int64)? {
        let start = firstYoungOffset(nowMilliseconds)
        guard start < entries.count, entries.last!.message.seq == lastSeq else { return nil }
        let entry = entries[offset: start]
        return (entry.message.seq, entry.timeMilliseconds)
    }

    /// Up to `maxCount` messages (and about `maxBytes` of frames) from seq
    /// `from` on, in order, skipping expired ones. `from` must lie between
    /// `oldestReplayable` and `lastSeq`. Returns the messages and the seq
    /// after the last one looked at.
    public func messages(from: UInt64, maxCount: Int, maxBytes: Int, nowMilliseconds: Int64) -> (messages: [StreamMessage], next: UInt64) {
        guard let oldest = oldestReplayable(nowMilliseconds: nowMilliseconds), from >= oldest.seq, from <= lastSeq else { return ([], from) }
        let start = entries.count - Int(lastSeq - from) - 1
        var found: [StreamMessage] = []
        var bytes = 0
        var offset = start
        while offset < entries.count, found.count < maxCount, bytes < maxBytes {
            let message = entries[offset: offset].message
            if !message.isExpired(atMilliseconds: nowMilliseconds) {
                found.append(message)
                bytes += message.frame.count
            }
            offset += 1
        }
        return (found, from + UInt64(offset - start))
    }

    /// The seq of the first replayable message published at or after
    /// `time` (nil: none is).
    public func firstSeq(atOrAfter time: Int64, nowMilliseconds: Int64) -> UInt64? {
        guard oldestReplayable(nowMilliseconds: nowMilliseconds) != nil else { return nil }
        var low = firstYoungOffset(nowMilliseconds), high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[offset: mid].timeMilliseconds < time { low = mid + 1 } else { high = mid }
        }
        return low < entries.count ? entries[offset: low].message.seq : nil
    }

    /// Entries with a time below this are too old to offer.
    private func ageCutoff(_ now: Int64) -> Int64 {
        guard maxAgeMilliseconds > 0 else { return .min }
        let (cutoff, overflow) = now.subtractingReportingOverflow(maxAgeMilliseconds)
        return overflow ? .min : cutoff
    }

    /// Offset of the first entry young enough to replay (count if none).
    private func firstYoungOffset(_ now: Int64) -> Int {
        let cutoff = ageCutoff(now)
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[offset: mid].timeMilliseconds < cutoff { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
