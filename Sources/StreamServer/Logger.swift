import Base
import Glibc
import NetCore
import TextFormat
import WebSocket

/// A field value in a structured log line.
public enum LogValue: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }

    public var description: String {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): String(b)
        }
    }

    var json: String {
        switch self {
        case .string(let s): JSONStringEscaper.quoted(s)
        case .int(let i): String(i)
        case .double(let d): d.isFinite ? String(d) : "null"
        case .bool(let b): String(b)
        }
    }
}

/// Structured logs on stderr: JSON Lines for machines, `key=value` text for
/// people. Each line leaves in one write(2), so lines from different loops
/// never interleave. Tokens are never passed here: callers log `kid`/`jti`.
public struct Logger: Sendable {
    public let format: LogFormat
    public let minimumLevel: LogLevel
    public let fd: Int32

    public init(format: LogFormat = .text, minimumLevel: LogLevel = .info, fd: Int32 = 2) {
        self.format = format
        self.minimumLevel = minimumLevel
        self.fd = fd
    }

    public func debug(_ message: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.info, message, fields) }
    public func warning(_ message: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.warning, message, fields) }
    public func error(_ message: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.error, message, fields) }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= minimumLevel }

    public func log(_ level: LogLevel, _ message: String, _ fields: KeyValuePairs<String, LogValue>) {
        guard level >= minimumLevel else { return }
        let time = RFC3339.format(milliseconds: WallClock.nowMilliseconds())
        var line: String
        switch format {
        case .json:
            line = "{\"time\":\"\(time)\",\"level\":\"\(level.rawValue)\",\"msg\":\(JSONStringEscaper.quoted(message))"
            for (key, value) in fields { line += ",\(JSONStringEscaper.quoted(key)):\(value.json)" }
            line += "}\n"
        case .text:
            line = "\(time) \(level.rawValue.uppercased()) \(message)"
            for (key, value) in fields {
                let text = value.description
                let needsQuotes = text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
                line += " \(key)=\(needsQuotes ? JSONStringEscaper.quoted(text) : text)"
            }
            line += "\n"
        }
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                guard let n = try? syscallNoBlock("write", { Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset) }), n > 0 else { break }
                offset += n
            }
        }
    }
}
