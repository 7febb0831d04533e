import Glibc

/// What the log can give for a replay from one seq.
public enum LogRead: Sendable {
    /// Records from the asked seq on, consecutive, oldest first.
    case records([DurableRecord])
    /// The asked seq is not on disk (older segments deleted, or a hole left
    /// by corruption); `nextAvailable` is the first seq after it that is.
    case missing(nextAvailable: UInt64?)
}

extension DurableLog {
    /// The oldest seq of `channel`'s epoch `epoch` on disk, and its time.
    public func oldest(of channel: String, epoch: String) -> (seq: UInt64, timeMilliseconds: Int64)? {
        guard let channelIndex = index[channel], channelIndex.epoch == epoch, !channelIndex.isEmpty else { return nil }
        return (channelIndex[0].seq, channelIndex[0].timeMilliseconds)
    }

    /// The first seq on disk published at or after `time` (nil: none).
    public func firstSeq(of channel: String, epoch: String, atOrAfter time: Int64) -> UInt64? {
        guard let channelIndex = index[channel], channelIndex.epoch == epoch else { return nil }
        let position = channelIndex.position(ofTimeAtLeast: time)
        return position < channelIndex.count ? channelIndex[position].seq : nil
    }

    /// Up to `maxCount` records (and about `maxBytes`) of `channel` from seq
    /// `from` on, read with a few large preads: the index says where each
    /// one sits, so nothing else of the log is read.
    public func read(channel: String, epoch: String, from: UInt64, maxCount: Int, maxBytes: Int) throws(DurableLogError) -> LogRead {
        guard let channelIndex = index[channel], channelIndex.epoch == epoch else { return .missing(nextAvailable: nil) }
        var position = channelIndex.position(ofSeqAtLeast: from)
        guard position < channelIndex.count else { return .missing(nextAvailable: nil) }
        guard channelIndex[position].seq == from else { return .missing(nextAvailable: channelIndex[position].seq) }
        var reader = SegmentReader(log: self)
        defer { reader.close() }
        var records: [DurableRecord] = []
        var bytes = 0
        var expected = from
        while position < channelIndex.count, records.count < maxCount, bytes < maxBytes {
            let entry = channelIndex[position]
            guard entry.seq == expected else { break }  // a hole: the next call reports it
            let record = try reader.record(segment: Int(entry.segment), offset: Int(entry.offset))
            guard record.channel == channel, record.seq == entry.seq else {
                throw DurableLogError("durable log \(directory): segment \(entry.segment) offset \(entry.offset) does not hold \(channel) seq \(entry.seq)")
            }
            records.append(record)
            bytes += record.payload.count
            expected += 1
            position += 1
        }
        return .records(records)
    }
}

/// Reads entries of the log's segments through one block of memory, so a
/// run of records costs a pread per block rather than one per record.
private struct SegmentReader {
    static let blockBytes = 256 << 10
    let log: DurableLog
    private var fd: Int32 = -1
    private var segment = -1
    private var blockStart = 0
    private var block: [UInt8] = []

    init(log: DurableLog) { self.log = log }

    mutating func close() {
        if fd >= 0 { LogFiles.close(fd) }
        fd = -1
    }

    mutating func record(segment number: Int, offset: Int) throws(DurableLogError) -> DurableRecord {
        let path = log.path(of: number)
        if number != segment {
            close()
            fd = try LogFiles.open(path, O_RDONLY)
            segment = number
            block = []
        }
        try ensure(offset, LogCodec.headerBytes, path: path)
        let length = Int(LogCodec.loadUInt32(block, at: offset - blockStart + 4))
        guard block[(offset - blockStart)..<(offset - blockStart + 4)].elementsEqual(LogCodec.magic), length > 0,
              length <= LogCodec.maxBodyBytes else {
            throw DurableLogError("\(path): no entry at offset \(offset)")
        }
        try ensure(offset, LogCodec.headerBytes + length, path: path)
        let bodyStart = offset - blockStart + LogCodec.headerBytes
        let crc = block.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[bodyStart..<(bodyStart + length)])) }
        guard crc == LogCodec.loadUInt32(block, at: offset - blockStart + 8),
              case .record(let record)? = LogCodec.decode(block[bodyStart..<(bodyStart + length)]) else {
            throw DurableLogError("\(path): the entry at offset \(offset) is damaged")
        }
        return record
    }

    /// Makes `count` bytes from `offset` available in `block`.
    private mutating func ensure(_ offset: Int, _ count: Int, path: String) throws(DurableLogError) {
        if offset >= blockStart, offset + count <= blockStart + block.count { return }
        let size = Swift.max(count, SegmentReader.blockBytes)
        block = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let got = try LogFiles.retrying("pread", path) {
                block.withUnsafeMutableBytes { raw in pread(fd, raw.baseAddress! + filled, size - filled, off_t(offset + filled)) }
            }
            if got == 0 { break }
            filled += got
        }
        block.removeSubrange(filled...)
        blockStart = offset
        guard filled >= count else { throw DurableLogError("\(path): the entry at offset \(offset) runs past the end of the file") }
    }
}
