/// When the durable log forces its writes to stable storage.
public enum DurableFsync: String, Sendable, Codable {
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

    public init(channel: String, seq: UInt64, timeMilliseconds: Int64, expiresAtMilliseconds: Int64?,
                type: String, payload: [UInt8]) {
        self.channel = channel
        self.seq = seq
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

/// What one framed log entry holds.
enum LogEntry {
    case record(DurableRecord)
    /// Every channel's last seq when a segment was started, so numbering
    /// survives the deletion of the segments that held the records.
    case checkpoint([(channel: String, lastSeq: UInt64)])
}
