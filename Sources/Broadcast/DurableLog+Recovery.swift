extension DurableLog {
    public typealias RecoveredChannel = (lastSeq: UInt64, records: [DurableRecord])

    /// Reads every segment in order and returns, per channel, its last seq and
    /// its most recent records (at most `keepPerChannel`, oldest first), then
    /// makes the log ready to append after them.
    ///
    /// A damaged entry ends what is read from its segment, and the segment is
    /// truncated there so appends never follow garbage: a torn final entry (a
    /// crash mid-write) is expected after a crash; damage in the middle is
    /// corruption. Both are reported in `warnings`, neither is an error. Later
    /// segments are still read, and their checkpoints keep every channel's seq.
    public func recover(keepPerChannel: Int) throws(DurableLogError) -> (channels: [String: RecoveredChannel], warnings: [String]) {
        guard !isClosed else { throw DurableLogError("durable log \(directory): recover after close") }
        var lastSeqs: [String: UInt64] = [:]
        var recent: [String: RingBuffer<DurableRecord>] = [:]
        var warnings: [String] = []
        var found: [(number: Int, bytes: Int)] = []

        for number in try segmentNumbers() {
            let path = path(of: number)
            let bytes = try LogFiles.readAll(path)
            let scan = LogCodec.scan(bytes) { entry in
                switch entry {
                case .checkpoint(let channels):
                    for (channel, seq) in channels where seq >= lastSeqs[channel, default: 0] { lastSeqs[channel] = seq }
                case .record(let record):
                    // A seq at or below the known one is stale (never written by
                    // a correct caller); keep the records strictly increasing.
                    if let known = lastSeqs[record.channel], record.seq <= known { return }
                    lastSeqs[record.channel] = record.seq
                    guard keepPerChannel > 0 else { return }
                    if recent[record.channel, default: RingBuffer()].count == keepPerChannel {
                        recent[record.channel]!.popFirst()
                    }
                    recent[record.channel, default: RingBuffer()].append(record)
                }
            }
            if let problem = scan.problem {
                warnings.append("\(path): \(problem); truncated to \(scan.validBytes) bytes, dropping \(bytes.count - scan.validBytes)")
                try LogFiles.truncate(path, to: scan.validBytes)
            }
            found.append((number, scan.validBytes))
        }

        try adopt(segments: found, lastSeqs: lastSeqs)
        var channels: [String: RecoveredChannel] = [:]
        channels.reserveCapacity(lastSeqs.count)
        for (channel, seq) in lastSeqs {
            var records: [DurableRecord] = []
            if var ring = recent[channel] {
                records.reserveCapacity(ring.count)
                while let record = ring.popFirst() { records.append(record) }
            }
            channels[channel] = (seq, records)
        }
        return (channels, warnings)
    }
}

extension LogCodec {
    /// Visits each intact entry of a segment in order. Returns how many
    /// leading bytes are intact, and what is wrong with the rest, if anything.
    static func scan(_ bytes: [UInt8], _ visit: (LogEntry) -> Void) -> (validBytes: Int, problem: String?) {
        var offset = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard remaining >= headerBytes else {
                return (offset, "incomplete entry header at offset \(offset), the end of the file (torn write)")
            }
            guard bytes[offset..<(offset + 4)].elementsEqual(magic) else {
                return (offset, "no entry marker at offset \(offset) (corruption)")
            }
            let length = Int(loadUInt32(bytes, at: offset + 4))
            guard length > 0, length <= maxBodyBytes else {
                return (offset, "implausible entry length \(length) at offset \(offset) (corruption)")
            }
            let bodyStart = offset + headerBytes
            let end = bodyStart + length
            guard end <= bytes.count else {
                return (offset, "entry at offset \(offset) runs \(end - bytes.count) bytes past the end of the file (torn write)")
            }
            let body = bytes[bodyStart..<end]
            let crc = bytes.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[bodyStart..<end])) }
            guard crc == loadUInt32(bytes, at: offset + 8) else {
                let kind = end == bytes.count ? "torn final entry" : "corruption"
                return (offset, "checksum mismatch in the entry at offset \(offset) (\(kind))")
            }
            guard let entry = decode(body) else {
                return (offset, "undecodable entry at offset \(offset) (corruption)")
            }
            visit(entry)
            offset = end
        }
        return (offset, nil)
    }
}
