public import Base
/// One published message, encoded and framed once, then shared by every
/// loop and every recipient (they hold a reference, never a copy).
public final class StreamMessage: Sendable {
    public let channel: String
    /// The channel's kind, parsed once here rather than once per recipient.
    public let kind: ChannelKind?
    public let type: String
    public let seq: UInt64
    /// The numbering `seq` belongs to (see `Epoch`).
    public let epoch: String
    /// Wall-clock milliseconds when the message was published (the
    /// envelope's `timestamp`), for wildcard recovery by time.
    public let timeMilliseconds: Int64
    /// The complete WebSocket text frame (header + JSON), ready for TLS.
    public let frame: [UInt8]
    /// Wall-clock milliseconds after which the message is stale (a signal's
    /// `valid_until`): it is then neither delivered nor replayed. nil: never.
    public let expiresAtMilliseconds: Int64?
    /// Monotonic nanoseconds when the publish was accepted, so delivery
    /// latency can be measured; 0 when unknown (replayed from disk).
    public let publishedAtNanoseconds: UInt64
    /// permessage-deflate frames of this message, by window (see FrameCompressor).
    let variants = CompressedVariants()

    public init(channel: String, type: String, seq: UInt64, epoch: String, timeMilliseconds: Int64, frame: [UInt8],
                expiresAtMilliseconds: Int64? = nil, publishedAtNanoseconds: UInt64 = 0) {
        self.channel = channel
        self.kind = ChannelKind(channel: channel)
        self.type = type
        self.seq = seq
        self.epoch = epoch
        self.timeMilliseconds = timeMilliseconds
        self.frame = frame
        self.expiresAtMilliseconds = expiresAtMilliseconds
        self.publishedAtNanoseconds = publishedAtNanoseconds
    }

    /// Whether the message has gone stale at `nowMilliseconds`.
    @inlinable
    public func isExpired(atMilliseconds nowMilliseconds: Int64) -> Bool {
        guard let expiresAtMilliseconds else { return false }
        return expiresAtMilliseconds <= nowMilliseconds
    }
}
