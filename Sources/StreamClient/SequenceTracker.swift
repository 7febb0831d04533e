/// The last sequence number seen per exact channel, kept across reconnects,
/// so that replays and tick snapshots after a reconnect reach the
/// application with no gap and no duplicate.
public struct SequenceTracker: Sendable, Equatable {
    public private(set) var lastSeq: [String: UInt64] = [:]
    /// Channels that have delivered a message on the current connection.
    private var seenThisConnection: Set<String> = []
    /// Channels asked for with `since` on the current connection.
    private var recovering: Set<String> = []

    public init() {}

    /// `since` for a subscribe: only exact channels (the server refuses
    /// `since` on a pattern) that have delivered something.
    public func since(for channels: [String]) -> [String: UInt64] {
        var since: [String: UInt64] = [:]
        for channel in channels where !channel.hasSuffix("*") {
            if let seq = lastSeq[channel] { since[channel] = seq }
        }
        return since
    }

    /// A new connection subscribes with `since`.
    public mutating func connectionStarted(since: [String: UInt64]) {
        seenThisConnection = []
        recovering = Set(since.keys)
    }

    /// True when the message is new and must be delivered; records its seq.
    public mutating func accept(channel: String, seq: UInt64) -> Bool {
        defer { seenThisConnection.insert(channel) }
        guard let last = lastSeq[channel] else {
            lastSeq[channel] = seq
            return true
        }
        if seq > last {
            lastSeq[channel] = seq
            return true
        }
        // A server never sends a lower seq than the latest on a channel it
        // still remembers; a lower first message on a new connection without
        // `since` (a tick snapshot) means the channel started over: a restart
        // of a channel that is not durable.
        if seq < last && !seenThisConnection.contains(channel) && !recovering.contains(channel) {
            lastSeq[channel] = seq
            return true
        }
        return false
    }

    /// The server cannot replay; when its last seq is below ours the channel
    /// started over (not durable, server restarted): accept from 1 again.
    public mutating func recoveryFailed(channel: String, lastSeq serverLast: UInt64) {
        recovering.remove(channel)
        if let last = lastSeq[channel], serverLast < last { lastSeq[channel] = serverLast }
    }
}
