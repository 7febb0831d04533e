/// The one strict JSON (RFC 8259) reader: token headers and claims, policy
/// files, client operations and the command-line tools all read through it.
///
/// Ours rather than Foundation's because JSONSerialization silently keeps
/// the last of two duplicate keys (two `alg`s in a token header, two
/// `"subscribe"` in a policy), accepts trailing commas, blurs `true` with
/// `1`, and says nothing of where a syntax error is. Here duplicate names
/// are refused, numbers stay as written, nesting is bounded by the caller
/// (a token needs little, a policy file more), and every error carries its
/// line and column.
public struct JSONReader {
    let bytes: [UInt8]
    let maximumDepth: Int
    var index = 0
    var depth = 0
    /// The names of the objects open in a skip (`JSONReader+Skip.swift`),
    /// innermost last, to refuse a duplicate without building the object.
    var openNames: [SkippedName] = []

    /// A reader positioned at the start of `bytes` (no byte order mark), for
    /// reading without building (`JSONReader+Skip.swift`); `parse` reads a
    /// whole document.
    public init(_ bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    /// The depth JSONSerialization allowed, kept for every reader without a
    /// tighter bound of its own (client operations, the configuration file,
    /// audit lines, server messages to the client): their size limits bound
    /// the work long before this does. Tokens (16) and policies (64) pass less.
    public static let defaultMaximumDepth = 512

    /// Parses one complete value (any type at the top level; whitespace
    /// around it is allowed, nothing else). `maximumDepth` bounds how many
    /// arrays and objects may be open at once. With
    /// `allowingByteOrderMark`, a leading UTF-8 BOM is skipped (some
    /// editors add one).
    public static func parse(_ bytes: [UInt8], maximumDepth: Int,
                             allowingByteOrderMark: Bool = false) throws(JSONSyntaxError) -> JSONValue {
        var reader = JSONReader(bytes, maximumDepth: maximumDepth)
        if allowingByteOrderMark, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
        reader.skipWhitespace()
        let value = try reader.readValue()
        reader.skipWhitespace()
        guard reader.index == reader.bytes.count else { throw reader.error("unexpected text after the top-level value") }
        return value
    }

    /// Line and column (1-based, in bytes) of the current position; only
    /// computed when something is wrong.
    func error(_ message: String) -> JSONSyntaxError {
        var line = 1
        var lineStart = 0
        for i in 0..<min(index, bytes.count) where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return JSONSyntaxError(line: line, column: index - lineStart + 1, message: message)
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    mutating func expect(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        for offset in 0..<count {
            guard current == literal.utf8Start[offset] else { throw error("expected '\(literal)'") }
            index += 1
        }
    }

    private mutating func readValue() throws(JSONSyntaxError) -> JSONValue {
        guard let byte = current else { throw error("unexpected end of file") }
        switch byte {
        case UInt8(ascii: "{"): return .object(try readObject())
        case UInt8(ascii: "["): return .array(try readArray())
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try readNumber())
        default: throw error("unexpected character '\(Unicode.Scalar(byte))'")
        }
    }

    mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= maximumDepth else { throw error("nested deeper than \(maximumDepth) levels") }
    }

    private mutating func readObject() throws(JSONSyntaxError) -> JSONObject {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [JSONObject.Member] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return JSONObject(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a quoted field name") }
            let keyStart = index
            let key = try readString()
            // Objects are small: a scan of the names so far costs less than a Set.
            guard !members.contains(where: { $0.key == key }) else {
                index = keyStart
                throw error("field \"\(key)\" appears twice in the same object")
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after field name") }
            index += 1
            skipWhitespace()
            members.append((key, try readValue()))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return JSONObject(members)
            default: throw error("expected ',' or '}' (a trailing comma or a missing comma?)")
            }
        }
    }

    private mutating func readArray() throws(JSONSyntaxError) -> [JSONValue] {
        try enter()
        defer { depth -= 1 }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return elements }
        while true {
            skipWhitespace()
            elements.append(try readValue())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return elements
            default: throw error("expected ',' or ']'")
            }
        }
    }

    /// Runs without escapes are validated as UTF-8 and copied whole; only a
    /// string with escapes is assembled byte by byte.
    mutating func readString() throws(JSONSyntaxError) -> String {
        index += 1  // opening quote
        let start = index
        var escaped: [UInt8]?
        var runStart = index
        while true {
            guard let byte = current else { throw error("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                defer { index += 1 }
                if var utf8 = escaped {
                    utf8.append(contentsOf: bytes[runStart..<index])
                    guard let text = String(validating: utf8, as: UTF8.self) else { throw invalidUTF8(at: start) }
                    return text
                }
                guard let text = String(validating: bytes[start..<index], as: UTF8.self) else { throw invalidUTF8(at: start) }
                return text
            case UInt8(ascii: "\\"):
                var utf8 = escaped ?? []
                utf8.append(contentsOf: bytes[runStart..<index])
                index += 1
                utf8.append(contentsOf: String(try readEscape()).utf8)
                escaped = utf8
                runStart = index
            case 0x00..<0x20:
                throw error("control character in string (escape it)")
            default:
                index += 1
            }
        }
    }

    mutating func invalidUTF8(at start: Int) -> JSONSyntaxError {
        index = start
        return error("string is not valid UTF-8")
    }

    mutating func readEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        guard let byte = current else { throw error("unterminated escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let first = try readHex4()
            if (0xD800..<0xDC00).contains(first) {
                guard current == UInt8(ascii: "\\") else { throw error("unpaired surrogate in \\u escape") }
                index += 1
                guard current == UInt8(ascii: "u") else { throw error("unpaired surrogate in \\u escape") }
                index += 1
                let second = try readHex4()
                guard (0xDC00..<0xE000).contains(second) else { throw error("unpaired surrogate in \\u escape") }
                return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(first) else { throw error("unpaired surrogate in \\u escape") }
            return scalar
        default:
            index -= 1
            throw error("unknown escape '\\\(Unicode.Scalar(byte))'")
        }
    }

    private mutating func readHex4() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Self.hexDigit(byte) else { throw error("expected four hex digits after \\u") }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private mutating func digits() -> Int {
        let from = index
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        return index - from
    }

    private mutating func readNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = index
        try skipNumber()
        return JSONNumber(literal: String(decoding: bytes[start..<index], as: UTF8.self))
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, and within
    /// Double's range (as Foundation, so every reader agrees on `1e400`).
    mutating func skipNumber() throws(JSONSyntaxError) {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        let intStart = index
        guard digits() > 0 else { throw error("expected a digit") }
        let integerDigits = index - intStart
        if bytes[intStart] == UInt8(ascii: "0") && integerDigits > 1 {
            index = intStart
            throw error("leading zeros are not allowed in numbers")
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("expected a digit after '.'") }
        }
        var exponent = 0
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            var sign = 1
            if current == UInt8(ascii: "+") { index += 1 } else if current == UInt8(ascii: "-") { sign = -1; index += 1 }
            let exponentStart = index
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                exponent = min(exponent * 10 + Int(byte - UInt8(ascii: "0")), 1_000_000)
                index += 1
            }
            guard index > exponentStart else { throw error("expected a digit in the exponent") }
            exponent *= sign
        }
        // Below 10^308 (fewer than 309 digits before the point, counting the
        // exponent) a number is finite; only beyond that does the conversion
        // have to find out, without allocating for the numbers that matter.
        if integerDigits + max(exponent, 0) > 308 {
            let literal = String(decoding: bytes[start..<index], as: UTF8.self)
            guard let value = Double(literal), value.isFinite else { throw error("number out of range") }
        }
    }
}

/// A syntax error with its 1-based position in the text.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "invalid JSON at line \(line), column \(column): \(message)" }
}
