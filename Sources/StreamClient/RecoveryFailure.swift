import Foundation

/// A `recovery_failed` notice: the server cannot hand over everything after
/// the client's position on `channel`, or (with `--redis`) lost messages of a
/// channel the session reads. What follows the notice, if anything, starts
/// at `replayFrom`.
public struct RecoveryFailure: Sendable, Equatable {
    public let channel: String
    /// `epoch_changed`, `history_unavailable`, `gap`, `not_subscribed`,
    /// `recovery_limit` (older servers: also `since needs an exact channel`).
    public let reason: String
    /// The position the client asked for (or, for `gap`, the last seq this
    /// instance had before the loss).
    public let since: UInt64?
    public let sinceEpoch: String?
    /// The channel's current epoch; nil when it has no messages (or the
    /// server sends no epochs).
    public let epoch: String?
    public let lastSeq: UInt64?
    /// The seq, in `epoch`, of the first message that follows this notice;
    /// nil when none follows.
    public let replayFrom: UInt64?
    /// For `recovery_limit` on a pattern: the matching channels left out.
    public let skippedChannels: [String]
    public let timestamp: String?

    public init(channel: String, reason: String, since: UInt64? = nil, sinceEpoch: String? = nil, epoch: String? = nil,
                lastSeq: UInt64? = nil, replayFrom: UInt64? = nil, skippedChannels: [String] = [], timestamp: String? = nil) {
        self.channel = channel
        self.reason = reason
        self.since = since
        self.sinceEpoch = sinceEpoch
        self.epoch = epoch
        self.lastSeq = lastSeq
        self.replayFrom = replayFrom
        self.skippedChannels = skippedChannels
        self.timestamp = timestamp
    }

    /// Reads a `recovery_failed` message; nil for any other type.
    public init?(_ message: StreamMessage) {
        guard message.type == "recovery_failed" else { return nil }
        let data = message.data
        func number(_ key: String) -> UInt64? { (data[key] as? NSNumber)?.uint64Value }
        self.init(channel: data["channel"] as? String ?? "", reason: data["reason"] as? String ?? "",
                  since: number("since"), sinceEpoch: data["since_epoch"] as? String, epoch: data["epoch"] as? String,
                  lastSeq: number("last_seq"), replayFrom: number("replay_from"), skippedChannels: data["channels"] as? [String] ?? [],
                  timestamp: message.timestamp)
    }

    public var isEpochChange: Bool { reason == "epoch_changed" }
}

/// A channel's numbering started over: the client replaced its position
/// (`previous`) with one in the new epoch, so messages of the new epoch are
/// delivered although their seqs are not above the old ones.
public struct EpochChange: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// The server announced it with `recovery_failed` `epoch_changed`
        /// (delivered as `.recoveryFailed` just before).
        case recoveryFailed
        /// A stream message arrived in an epoch other than the client's, with
        /// no notice.
        case message
    }

    public let channel: String
    public let source: Source
    /// What the client held before; nil epoch for a server without epochs.
    public let previous: StreamPosition
    /// The new epoch; nil when the server announced a change on a channel
    /// that has no messages now.
    public let epoch: String?
    /// The server's last seq in the new epoch, when it said (a notice).
    public let lastSeq: UInt64?
    /// The first seq delivered in the new epoch: `replay_from` of a notice
    /// (nil: none replayed), or the seq of the message that showed the change.
    public let replayFrom: UInt64?

    public init(channel: String, source: Source, previous: StreamPosition, epoch: String?, lastSeq: UInt64?, replayFrom: UInt64?) {
        self.channel = channel
        self.source = source
        self.previous = previous
        self.epoch = epoch
        self.lastSeq = lastSeq
        self.replayFrom = replayFrom
    }
}
