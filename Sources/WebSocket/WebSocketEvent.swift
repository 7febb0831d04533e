/// What a `WebSocketReader` found in the bytes it was given, in wire order.
public enum WebSocketEvent: Sendable, Hashable {
    /// A complete text message, already checked to be valid UTF-8.
    case text([UInt8])
    /// A complete binary message.
    case binary([UInt8])
    /// A ping; the session answers with a pong carrying the same payload (§5.5.2).
    case ping([UInt8])
    /// A pong, solicited or not (§5.5.3).
    case pong([UInt8])
    /// The peer's close frame; `code` is nil when its payload was empty, in
    /// which case the session reports 1005 locally and echoes an empty close.
    case close(code: CloseCode?, reason: String)
    /// The peer broke the protocol: the session sends a close frame with this
    /// code and stops reading. The reader yields nothing after this.
    case failure(CloseCode, String)
}
