/// Where one record of a channel sits on disk.
struct LogIndexEntry: Sendable {
    let seq: UInt64
    /// Clamped to be non-decreasing within a channel, so a search by time
    /// is a binary search.
    let timeMilliseconds: Int64
    let segment: UInt32
    let offset: UInt32
}

/// The records of ONE channel's current epoch in the durable log, in seq
/// order: replay from disk finds a seq or a time by binary search instead
/// of scanning the log. 24 bytes per record held on disk.
struct ChannelIndex: Sendable {
    private(set) var epoch: String
    private var entries: ContiguousArray<LogIndexEntry> = []
    /// Entries before this one belong to deleted segments (compacted lazily).
    private var start = 0

    init(epoch: String) { self.epoch = epoch }

    var isEmpty: Bool { start == entries.count }
    var count: Int { entries.count - start }

    /// Appends a record's place. A record of another epoch starts the index
    /// over; a legacy log's unnamed epoch ("") is simply given the name.
    mutating func append(seq: UInt64, timeMilliseconds: Int64, segment: Int, offset: Int, epoch recordEpoch: String) {
        if recordEpoch != epoch {
            if !epoch.isEmpty { reset() }
            epoch = recordEpoch
        }
        let time = entries.last.map { Swift.max($0.timeMilliseconds, timeMilliseconds) } ?? timeMilliseconds
        entries.append(LogIndexEntry(seq: seq, timeMilliseconds: time, segment: UInt32(segment), offset: UInt32(offset)))
    }

    mutating func reset() {
        entries = []
        start = 0
    }

    /// Forgets the records of segments numbered below `segment`.
    mutating func dropSegments(below segment: Int) {
        while start < entries.count, Int(entries[start].segment) < segment { start += 1 }
        if start > 1024 && start > entries.count / 2 {
            entries.removeFirst(start)
            start = 0
        }
    }

    subscript(position: Int) -> LogIndexEntry { entries[start + position] }

    /// Position of the first record with seq ≥ `seq` (count if none).
    func position(ofSeqAtLeast seq: UInt64) -> Int {
        lowerBound { $0.seq < seq }
    }

    /// Position of the first record published at or after `time` (count if none).
    func position(ofTimeAtLeast time: Int64) -> Int {
        lowerBound { $0.timeMilliseconds < time }
    }

    private func lowerBound(_ isBefore: (LogIndexEntry) -> Bool) -> Int {
        var low = start, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if isBefore(entries[mid]) { low = mid + 1 } else { high = mid }
        }
        return low - start
    }
}
