import Glibc

/// An append-only on-disk log for the private channels (`order:`,
/// `payload:`), so their seqs and recent history survive a restart or a
/// kill -9. Not Sendable: the broadcaster serialises access under its lock.
///
/// Files: `<directory>/log-<N>.seg`, N counting up from 1. Each entry is one
/// write(2) (format in `LogCodec`), so once `append` returns the record is in
/// the kernel and survives the process dying; nothing waits for `close`.
/// Every segment starts with a checkpoint of every channel's epoch and last
/// seq, so deleting old segments to stay under `maxBytes` never loses a seq.
/// An index per channel (`ChannelIndex`) says where each record of its
/// current epoch sits, so `read` serves deep replay without scanning.
public final class DurableLog {
    private struct Segment {
        let number: Int
        var bytes: Int
    }

    public let directory: String
    public let segmentBytes: Int
    public let maxBytes: Int
    public let fsync: DurableFsync
    /// This machine's boot id (/proc/sys/kernel/random/boot_id): a log left
    /// open under another boot went through a machine restart.
    public let bootID: String

    /// Oldest first; the last one is the one being appended to.
    private var segments: [Segment] = []
    private var fd: Int32 = -1
    /// Size of the checkpoint that opens the current segment: a segment
    /// holding only that is never rotated (that would loop on huge checkpoints).
    private var checkpointBytes = 0
    private var positions: [String: LogPosition] = [:]
    var index: [String: ChannelIndex] = [:]
    /// Reused for every entry: one buffer, one write(2), no allocation per append.
    private var scratch: [UInt8] = []
    private var recovered = false
    private var rotateBeforeNextAppend = false
    private var closed = false
    private var totalBytes = 0

    /// A failure that did not fail an append: removing an old segment, or a
    /// `sync()`. Kept for the operator (logs, metrics); cleared by nothing.
    public private(set) var maintenanceError: DurableLogError?

    public init(directory: String, segmentBytes: Int = 8 << 20, maxBytes: Int = 256 << 20,
                fsync: DurableFsync = .never, bootID: String = DurableLog.currentBootID()) throws(DurableLogError) {
        guard segmentBytes > 0, maxBytes > 0 else {
            throw DurableLogError("durable log \(directory): segmentBytes (\(segmentBytes)) and maxBytes (\(maxBytes)) must be positive")
        }
        self.directory = directory
        // A bound below one segment would leave only the current segment on
        // disk; halve instead so one older segment can still be kept.
        self.segmentBytes = maxBytes >= segmentBytes ? segmentBytes : Swift.max(1, maxBytes / 2)
        self.maxBytes = maxBytes
        self.fsync = fsync
        self.bootID = bootID
        try LogFiles.makeDirectories(directory)
    }

    /// The kernel's id of this boot; "" where there is none to read.
    public static func currentBootID() -> String {
        guard let bytes = try? LogFiles.readAll("/proc/sys/kernel/random/boot_id") else { return "" }
        return String(decoding: bytes.filter { $0 > 0x20 }, as: UTF8.self)
    }

    deinit {
        if fd >= 0 { LogFiles.close(fd) }
    }

    /// Bytes in all segments (known after `recover`).
    public var bytesOnDisk: Int { totalBytes }

    /// Appends one record with one write(2); with `.always`, also fsyncs.
    /// When this throws, the record is not in the log (a partial write is
    /// cut off) and the next append starts a fresh segment.
    public func append(_ record: DurableRecord) throws(DurableLogError) {
        try ensureOpen()
        if rotateBeforeNextAppend || (segments[segments.count - 1].bytes >= segmentBytes
                                      && segments[segments.count - 1].bytes > checkpointBytes) {
            try startSegment(number: segments[segments.count - 1].number + 1)
        }
        scratch.removeAll(keepingCapacity: true)
        try LogCodec.appendFramed(record, to: &scratch)
        let segment = segments[segments.count - 1]
        try writeScratch()
        if let known = positions[record.channel], known.epoch == record.epoch || known.epoch.isEmpty {
            if record.seq > known.lastSeq { positions[record.channel] = LogPosition(epoch: record.epoch, lastSeq: record.seq) }
        } else {
            positions[record.channel] = LogPosition(epoch: record.epoch, lastSeq: record.seq)
        }
        index[record.channel, default: ChannelIndex(epoch: record.epoch)]
            .append(seq: record.seq, timeMilliseconds: record.timeMilliseconds, segment: segment.number,
                    offset: segment.bytes, epoch: record.epoch)
        removeOldSegments()
    }

    /// fsync now (the `.interval` policy's timer, or a clean shutdown).
    public func sync() {
        guard fd >= 0 else { return }
        do throws(DurableLogError) {
            try LogFiles.fsync(fd, path: currentPath)
        } catch {
            maintenanceError = error
        }
    }

    /// Syncs (unless `.never`) and closes; later appends throw. Not needed for
    /// durability against a process crash: every append is already written.
    public func close() {
        if fd >= 0 {
            // Marks a clean end: a later boot need not doubt what was written.
            scratch.removeAll(keepingCapacity: true)
            if (try? LogCodec.appendFramedClosed(to: &scratch)) != nil { try? writeScratch() }
        }
        if fsync != .never { sync() }
        closeCurrent()
        closed = true
    }

    /// Notes in the current segment that this process appends under this
    /// boot and fsync policy (at each open and each new segment).
    private func writeOpened() throws(DurableLogError) {
        scratch.removeAll(keepingCapacity: true)
        try LogCodec.appendFramedOpened(bootID: bootID, fsync: fsync, to: &scratch)
        try writeScratch()
    }

    // MARK: - Segments

    var currentPath: String { path(of: segments[segments.count - 1].number) }

    func path(of number: Int) -> String { "\(directory)/log-\(number).seg" }

    /// Segment numbers present in the directory, ascending.
    func segmentNumbers() throws(DurableLogError) -> [Int] {
        try LogFiles.entries(of: directory).compactMap { name -> Int? in
            guard name.hasPrefix("log-"), name.hasSuffix(".seg") else { return nil }
            guard let number = Int(name.dropFirst(4).dropLast(4)), number > 0 else { return nil }
            return number
        }.sorted()
    }

    /// Replaces what this instance knows about the files (used by `recover`).
    /// `startOver`: the next entry opens a new segment whose checkpoint
    /// lists no channel, so every older record is superseded.
    func adopt(segments found: [(number: Int, bytes: Int)], positions: [String: LogPosition],
               index: [String: ChannelIndex], startOver: Bool) throws(DurableLogError) {
        closeCurrent()
        segments = found.map { Segment(number: $0.number, bytes: $0.bytes) }
        totalBytes = found.reduce(0) { $0 + $1.bytes }
        self.positions = positions
        self.index = index
        recovered = true
        rotateBeforeNextAppend = startOver
        try openCurrent()
        removeOldSegments()
    }

    /// Where `channel`'s numbering stands in the log (nil: unknown to it).
    public func position(of channel: String) -> LogPosition? { positions[channel] }

    var isClosed: Bool { closed }

    private func ensureOpen() throws(DurableLogError) {
        guard !closed else { throw DurableLogError("durable log \(directory): append after close") }
        if !recovered { _ = try recover(keepPerChannel: 0) }
        if fd < 0 { try openCurrent() }
    }

    /// Opens the newest segment for appending; an empty or missing one is
    /// (re)started with a checkpoint, so every segment begins with one.
    private func openCurrent() throws(DurableLogError) {
        guard let last = segments.last, last.bytes > 0, !rotateBeforeNextAppend else {
            let number = segments.last.map { $0.bytes > 0 ? $0.number + 1 : $0.number } ?? 1
            try startSegment(number: number)
            return
        }
        fd = try LogFiles.open(path(of: last.number), O_WRONLY | O_APPEND)
        checkpointBytes = 0
        try writeOpened()
    }

    private func startSegment(number: Int) throws(DurableLogError) {
        // `.interval` syncs only the current file; the one being left gets its last sync here.
        if fsync == .interval { sync() }
        closeCurrent()
        if segments.last?.number != number { segments.append(Segment(number: number, bytes: 0)) }
        let path = path(of: number)
        fd = try LogFiles.open(path, O_WRONLY | O_CREAT | O_APPEND)
        scratch.removeAll(keepingCapacity: true)
        try LogCodec.appendFramedCheckpoint(positions, to: &scratch)
        try writeScratch()
        let checkpoint = scratch.count
        try writeOpened()
        checkpointBytes = checkpoint + scratch.count
        rotateBeforeNextAppend = false
        if fsync != .never { try LogFiles.fsyncDirectory(directory) }
    }

    /// Writes `scratch` to the current segment. On failure the partial entry is
    /// cut off (best effort) and the next append moves to a new segment, so a
    /// torn entry can never sit in the middle of a segment.
    private func writeScratch() throws(DurableLogError) {
        let path = currentPath
        let before = segments[segments.count - 1].bytes
        do throws(DurableLogError) {
            try LogFiles.writeAll(fd, scratch, path: path)
            if fsync == .always { try LogFiles.fsync(fd, path: path) }
        } catch {
            try? LogFiles.truncate(fd, to: before, path: path)
            closeCurrent()
            rotateBeforeNextAppend = true
            throw error
        }
        segments[segments.count - 1].bytes += scratch.count
        totalBytes += scratch.count
    }

    /// Deletes the oldest segments while over `maxBytes`, never the current one.
    private func removeOldSegments() {
        while totalBytes > maxBytes, segments.count > 1 {
            let oldest = segments[0]
            do throws(DurableLogError) {
                try LogFiles.unlinkIfPresent(path(of: oldest.number))
            } catch {
                maintenanceError = error
                return
            }
            segments.removeFirst()  // a handful of segments: O(n) is fine
            totalBytes -= oldest.bytes
            let first = segments[0].number
            for channel in Array(index.keys) {
                index[channel]!.dropSegments(below: first)
                if index[channel]!.isEmpty { index[channel] = nil }
            }
        }
    }

    private func closeCurrent() {
        if fd >= 0 { LogFiles.close(fd) }
        fd = -1
    }
}
