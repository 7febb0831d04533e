/// One channel as the log holds it after `recover`.
public struct RecoveredChannel: Sendable, Equatable {
    public let epoch: String
    public let lastSeq: UInt64
    /// The most recent records of the current epoch, oldest first.
    public let records: [DurableRecord]
    /// Idempotency keys of the current epoch published at or after the
    /// window start given to `recover`, oldest first.
    public let idempotencyKeys: [(key: String, seq: UInt64, timeMilliseconds: Int64)]

    public static func == (a: RecoveredChannel, b: RecoveredChannel) -> Bool {
        a.epoch == b.epoch && a.lastSeq == b.lastSeq && a.records == b.records
            && a.idempotencyKeys.elementsEqual(b.idempotencyKeys) { $0 == $1 }
    }
}

extension DurableLog {
    /// Reads every segment in order and returns, per channel, its epoch,
    /// last seq, most recent records (at most `keepPerChannel`, oldest first)
    /// and the idempotency keys published since `keysSince`, then makes the
    /// log ready to append after them, with an index of every record.
    ///
    /// A damaged entry ends what is read from its segment, and the segment is
    /// truncated there so appends never follow garbage. A torn final entry
    /// (a crash mid-write: the record was never acknowledged) is expected;
    /// damage elsewhere is corruption. Both are reported in `warnings`.
    /// Corruption in an older segment leaves a hole that replay reports;
    /// corruption in the newest segment may have taken records clients
    /// already saw, so numbering cannot safely continue: the log starts over
    /// (`startedOver`), and every channel begins a new epoch. The same holds
    /// when the machine restarted (another boot id) while the log was open
    /// and not fsynced per record: the page cache may have taken
    /// acknowledged records with it, without a trace in the files.
    public func recover(keepPerChannel: Int, keysSince: Int64 = .max) throws(DurableLogError)
        -> (channels: [String: RecoveredChannel], warnings: [String], startedOver: Bool) {
        guard !isClosed else { throw DurableLogError("durable log \(directory): recover after close") }
        var positions: [String: LogPosition] = [:]
        var recent: [String: RingBuffer<DurableRecord>] = [:]
        var keys: [String: [(key: String, seq: UInt64, timeMilliseconds: Int64)]] = [:]
        var index: [String: ChannelIndex] = [:]
        var warnings: [String] = []
        var found: [(number: Int, bytes: Int)] = []
        var newestCorrupt = false
        /// The last process that appended, and whether it closed cleanly.
        var lastOpened: (bootID: String, fsync: DurableFsync)?
        var closedCleanly = false

        func forget(_ channel: String) {
            recent[channel] = nil
            keys[channel] = nil
            index[channel] = nil
        }

        let numbers = try segmentNumbers()
        for number in numbers {
            let path = path(of: number)
            let bytes = try LogFiles.readAll(path)
            let scan = LogCodec.scan(bytes) { entry, offset in
                switch entry {
                case .opened(let boot, let policy):
                    lastOpened = (boot, policy)
                    closedCleanly = false
                case .closed:
                    closedCleanly = true
                case .checkpoint(let listed, legacy: true):
                    for (channel, position) in listed where position.lastSeq >= positions[channel]?.lastSeq ?? 0 {
                        positions[channel] = LogPosition(epoch: positions[channel]?.epoch ?? "", lastSeq: position.lastSeq)
                    }
                case .checkpoint(let listed, legacy: false):
                    // The whole truth when the segment began: unlisted channels were forgotten.
                    var next: [String: LogPosition] = [:]
                    for (channel, position) in listed {
                        if let known = positions[channel], !known.epoch.isEmpty, known.epoch != position.epoch {
                            forget(channel)
                            next[channel] = position
                        } else if let known = positions[channel], known.epoch == position.epoch || known.epoch.isEmpty {
                            next[channel] = LogPosition(epoch: position.epoch, lastSeq: Swift.max(known.lastSeq, position.lastSeq))
                        } else {
                            next[channel] = position
                        }
                    }
                    for channel in positions.keys where next[channel] == nil { forget(channel) }
                    positions = next
                case .record(let record):
                    if let known = positions[record.channel] {
                        if known.epoch == record.epoch || known.epoch.isEmpty || record.epoch.isEmpty {
                            // A seq at or below the known one is stale (never written
                            // by a correct caller); keep the records strictly increasing.
                            if record.seq <= known.lastSeq { return }
                        } else {
                            forget(record.channel)
                        }
                    }
                    let epoch = record.epoch.isEmpty ? positions[record.channel]?.epoch ?? "" : record.epoch
                    positions[record.channel] = LogPosition(epoch: epoch, lastSeq: record.seq)
                    index[record.channel, default: ChannelIndex(epoch: epoch)]
                        .append(seq: record.seq, timeMilliseconds: record.timeMilliseconds, segment: number, offset: offset, epoch: epoch)
                    if let key = record.idempotencyKey, record.timeMilliseconds >= keysSince {
                        keys[record.channel, default: []].append((key, record.seq, record.timeMilliseconds))
                    }
                    guard keepPerChannel > 0 else { return }
                    if recent[record.channel, default: RingBuffer()].count == keepPerChannel {
                        recent[record.channel]!.popFirst()
                    }
                    recent[record.channel, default: RingBuffer()].append(record)
                }
            }
            if let problem = scan.problem {
                warnings.append("\(path): \(problem.text); truncated to \(scan.validBytes) bytes, dropping \(bytes.count - scan.validBytes)")
                try LogFiles.truncate(path, to: scan.validBytes)
                if number == numbers.last, !problem.isTornEnd { newestCorrupt = true }
            }
            found.append((number, scan.validBytes))
        }

        var startOver = newestCorrupt
        if let lastOpened, !closedCleanly, lastOpened.fsync != .always, !bootID.isEmpty, lastOpened.bootID != bootID {
            startOver = true
            warnings.append("\(directory): the machine restarted while the log was open with durable_fsync \(lastOpened.fsync.rawValue), "
                + "so records acknowledged before the restart may be lost without a trace (durable_fsync always prevents this)")
        }
        if startOver {
            warnings.append("\(directory): records clients saw may be gone; "
                + "numbering starts over: every private channel begins a new epoch (clients are told epoch_changed)")
            positions = [:]
            recent = [:]
            keys = [:]
            index = [:]
        }
        try adopt(segments: found, positions: positions, index: index, startOver: startOver)
        var channels: [String: RecoveredChannel] = [:]
        channels.reserveCapacity(positions.count)
        for (channel, position) in positions {
            var records: [DurableRecord] = []
            if var ring = recent[channel] {
                records.reserveCapacity(ring.count)
                while let record = ring.popFirst() { records.append(record) }
            }
            channels[channel] = RecoveredChannel(epoch: position.epoch, lastSeq: position.lastSeq, records: records,
                                                 idempotencyKeys: keys[channel] ?? [])
        }
        return (channels, warnings, startOver)
    }
}

/// What is wrong with the rest of a segment.
struct SegmentDamage {
    let text: String
    /// The damage is an incomplete final entry (a write cut short), not
    /// corruption of complete data.
    let isTornEnd: Bool
}

extension LogCodec {
    /// Visits each intact entry of a segment in order. Returns how many
    /// leading bytes are intact, and what is wrong with the rest, if anything.
    static func scan(_ bytes: [UInt8], _ visit: (LogEntry, Int) -> Void) -> (validBytes: Int, problem: SegmentDamage?) {
        var offset = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard remaining >= headerBytes else {
                return (offset, SegmentDamage(text: "incomplete entry header at offset \(offset), the end of the file (torn write)", isTornEnd: true))
            }
            guard bytes[offset..<(offset + 4)].elementsEqual(magic) else {
                return (offset, SegmentDamage(text: "no entry marker at offset \(offset) (corruption)", isTornEnd: false))
            }
            let length = Int(loadUInt32(bytes, at: offset + 4))
            guard length > 0, length <= maxBodyBytes else {
                return (offset, SegmentDamage(text: "implausible entry length \(length) at offset \(offset) (corruption)", isTornEnd: false))
            }
            let bodyStart = offset + headerBytes
            let end = bodyStart + length
            guard end <= bytes.count else {
                return (offset, SegmentDamage(text: "entry at offset \(offset) runs \(end - bytes.count) bytes past the end of the file (torn write)", isTornEnd: true))
            }
            let body = bytes[bodyStart..<end]
            let crc = bytes.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[bodyStart..<end])) }
            guard crc == loadUInt32(bytes, at: offset + 8) else {
                let torn = end == bytes.count
                return (offset, SegmentDamage(text: "checksum mismatch in the entry at offset \(offset) (\(torn ? "torn final entry" : "corruption"))", isTornEnd: torn))
            }
            guard let entry = decode(body) else {
                return (offset, SegmentDamage(text: "undecodable entry at offset \(offset) (corruption)", isTornEnd: false))
            }
            visit(entry, offset)
            offset = end
        }
        return (offset, nil)
    }
}
