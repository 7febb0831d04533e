/// The four-bit frame opcode of RFC 6455 §5.2.
///
/// Values 3–7 and 11–15 are reserved; `init(rawValue:)` returns nil for them,
/// which is how the reader recognises an unknown opcode (close code 1002).
public enum Opcode: UInt8, Sendable, Hashable, CustomStringConvertible {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Control frames (close, ping, pong) have the high bit of the opcode set;
    /// they may be interleaved with fragments and must fit in one 125-byte frame.
    @inlinable
    public var isControl: Bool { rawValue & 0x8 != 0 }

    public var description: String {
        switch self {
        case .continuation: return "continuation"
        case .text: return "text"
        case .binary: return "binary"
        case .close: return "close"
        case .ping: return "ping"
        case .pong: return "pong"
        }
    }
}
