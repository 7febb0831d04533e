/// One RESP2 reply, as Redis sent it. Bulk strings stay bytes: Redis values
/// are binary, and only the caller knows whether they are text.
public enum RESPValue: Sendable, Equatable {
    /// `+OK`: a status line, always text.
    case simpleString(String)
    /// `-ERR ...`: the server refused one command; the connection is fine.
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    /// `$-1` or `*-1`: the key, field or element does not exist.
    case null
    case array([RESPValue])
}

extension RESPValue {
    /// The value as text: a status line, or a bulk string decoded as UTF-8
    /// (invalid sequences become U+FFFD).
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The value as a number: an integer reply, or a status or bulk string
    /// holding one (GET of a counter answers with a bulk string).
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .simpleString(let text): Int64(text)
        case .bulk(let bytes): Int64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    public var array: [RESPValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The raw bytes of a bulk string, or of a status line.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): bytes
        case .simpleString(let text): Array(text.utf8)
        default: nil
        }
    }

    /// The message of an error reply ("ERR unknown command ...").
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    public var isNull: Bool { self == .null }
}

extension RESPValue: CustomStringConvertible {
    /// A redis-cli-like rendering, for logs and test failures.
    public var description: String {
        switch self {
        case .simpleString(let text): return text
        case .error(let message): return "(error) \(message)"
        case .integer(let value): return "(integer) \(value)"
        case .bulk(let bytes): return "\"\(String(decoding: bytes, as: UTF8.self))\""
        case .null: return "(nil)"
        case .array(let elements): return "[" + elements.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
