/// One published message, encoded and framed once, then shared by every
/// loop and every recipient (they hold a reference, never a copy).
public final class StreamMessage: Sendable {
    public let channel: String
    public let type: String
    public let seq: UInt64
    /// The complete WebSocket text frame (header + JSON), ready for TLS.
    public let frame: [UInt8]

    public init(channel: String, type: String, seq: UInt64, frame: [UInt8]) {
        self.channel = channel
        self.type = type
        self.seq = seq
        self.frame = frame
    }
}
