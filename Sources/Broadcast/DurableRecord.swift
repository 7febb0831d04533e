/// When the durable log forces its writes to stable storage.
public enum DurableFsync: String, Sendable, Codable, CaseIterable {
    /// One write(2) per record: survives a process crash, not an OS crash.
    case never
    /// Also fsync at most every interval; the caller's timer calls `sync()`.
    case interval
    /// fsync after every append.
    case always
}

/// One message of a private channel as stored on disk.
public struct DurableRecord: Sendable, Equatable {
    public let channel: String
    public let seq: UInt64
    public let timeMilliseconds: Int64
    public let expiresAtMilliseconds: Int64?
    public let type: String
    /// The message JSON text.
    public let payload: [UInt8]
    /// The channel's numbering this seq belongs to ("" in logs written
    /// before epochs existed).
    public let epoch: String
    /// The publisher's idempotency key, kept so a retry after a restart is
    /// still recognised within the window.
    public let idempotencyKey: String?

    public init(channel: String, seq: UInt64, timeMilliseconds: Int64, expiresAtMilliseconds: Int64?,
                type: String, payload: [UInt8], epoch: String = "", idempotencyKey: String? = nil) {
        self.channel = channel
        self.seq = seq
        self.epoch = epoch
        self.idempotencyKey = idempotencyKey
        self.timeMilliseconds = timeMilliseconds
        self.expiresAtMilliseconds = expiresAtMilliseconds
        self.type = type
        self.payload = payload
    }
}

public struct DurableLogError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where a channel's numbering stands: its epoch and last seq.
public struct LogPosition: Sendable, Equatable {
    public var epoch: String
    public var lastSeq: UInt64

    public init(epoch: String, lastSeq: UInt64) {
        self.epoch = epoch
        self.lastSeq = lastSeq
    }
}

/// What one framed log entry holds.
enum LogEntry {
    case record(DurableRecord)
    /// Every channel's position when a segment was started, so numbering
    /// survives the deletion of the segments that held the records. A
    /// checkpoint with epochs is the whole truth at that point: a channel it
    /// does not list was forgotten (the log started over). `legacy`: written
    /// before epochs, and merged rather than trusted whole.
    case checkpoint([(channel: String, position: LogPosition)], legacy: Bool)
    /// A process started appending (also repeated at each segment start):
    /// the machine's boot id and the fsync policy it wrote under.
    case opened(bootID: String, fsync: DurableFsync)
    /// The process that opened the log closed it cleanly (all synced).
    case closed
}
