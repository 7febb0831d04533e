import TextFormat
import WebSocket

/// The fast path for the message a producer sends thousands of times a
/// second: `publish`. One pass validates the whole message as strict JSON
/// (RFC 8259) without building objects, and keeps what publishing needs: the
/// top-level strings, `id` as the text to echo, `data` as its exact bytes (it
/// is forwarded as the publisher wrote it, never parsed and re-encoded), and
/// a `valid_until` inside `data`.
///
/// Anything out of the ordinary (escapes in a string it keeps, a duplicate
/// key, an `id` that is neither a plain integer nor a short string, deep
/// nesting) gives nil, and the message takes the general path through the
/// strict `JSONReader` (which refuses the duplicate key and words the other
/// errors). Never touches a socket.
struct PublishSkim: Equatable {
    var type: String?
    /// `id` as JSON text, ready to echo: digits, or a quoted string.
    var id: String?
    var channel: String?
    var event: String?
    var validUntil: String?
    var idempotencyKey: String?
    /// The bytes of the `data` value, when it is an object.
    var data: Range<Int>?
    var dataValidUntil: String?
    /// `data` is present but is not an object.
    var dataIsNotAnObject = false

    static let maxDepth = 32

    static func skim(_ bytes: [UInt8]) -> PublishSkim? {
        var scanner = Scanner(bytes: bytes)
        var skim = PublishSkim()
        guard scanner.topLevel(into: &skim), scanner.atEnd else { return nil }
        return skim
    }

    /// A byte cursor; every method returns false (or nil) on anything it does not accept.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var depth = 0

        var atEnd: Bool {
            mutating get { skipWhitespace(); return index == bytes.count }
        }

        mutating func topLevel(into skim: inout PublishSkim) -> Bool {
            skipWhitespace()
            var seen: Set<String> = []
            return members { key, scanner in
                guard seen.insert(key).inserted else { return false }
                switch key {
                case "type": return scanner.keptString().map { skim.type = $0 } != nil
                case "channel": return scanner.keptString().map { skim.channel = $0 } != nil
                case "event": return scanner.keptString().map { skim.event = $0 } != nil
                case "valid_until": return scanner.keptString().map { skim.validUntil = $0 } != nil
                case "idempotency_key": return scanner.keptString().map { skim.idempotencyKey = $0 } != nil
                case "id": return scanner.echoableID().map { skim.id = $0 } != nil
                case "data":
                    let start = scanner.index
                    guard scanner.peek == UInt8(ascii: "{") else {
                        skim.dataIsNotAnObject = true
                        return scanner.value()
                    }
                    var dataKeys: Set<String> = []
                    let valid = scanner.members { key, inner in
                        guard dataKeys.insert(key).inserted else { return false }
                        if key == "valid_until" {
                            // Not a plain string: the general path words the error.
                            return inner.keptString().map { skim.dataValidUntil = $0 } != nil
                        }
                        return inner.value()
                    }
                    skim.data = start..<scanner.index
                    return valid
                default: return scanner.value()
                }
            }
        }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        /// `{ "key": value, ... }`; `member` reads each value.
        mutating func members(_ member: (String, inout Scanner) -> Bool) -> Bool {
            guard take(UInt8(ascii: "{")), depth < PublishSkim.maxDepth else { return false }
            depth += 1
            defer { depth -= 1 }
            skipWhitespace()
            if take(UInt8(ascii: "}")) { return true }
            while true {
                skipWhitespace()
                guard let key = keptString() else { return false }
                skipWhitespace()
                guard take(UInt8(ascii: ":")) else { return false }
                skipWhitespace()
                guard member(key, &self) else { return false }
                skipWhitespace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}"))
            }
        }

        mutating func value() -> Bool {
            switch peek {
            case UInt8(ascii: "{"): return members { _, scanner in scanner.value() }
            case UInt8(ascii: "["): return elements()
            case UInt8(ascii: "\""): return string(keep: false) != nil
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number() != nil
            }
        }

        mutating func elements() -> Bool {
            guard take(UInt8(ascii: "[")), depth < PublishSkim.maxDepth else { return false }
            depth += 1
            defer { depth -= 1 }
            skipWhitespace()
            if take(UInt8(ascii: "]")) { return true }
            while true {
                skipWhitespace()
                guard value() else { return false }
                skipWhitespace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]"))
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        /// A string whose text is wanted: only without escapes (nil otherwise).
        mutating func keptString() -> String? { string(keep: true) }

        /// Validates a string; with `keep`, returns its text, which must have no escapes.
        mutating func string(keep: Bool) -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return keep ? String(decoding: bytes[start..<(index - 1)], as: UTF8.self) : ""
                }
                if byte < 0x20 { return nil }
                if byte == UInt8(ascii: "\\") {
                    if keep { return nil }
                    guard index + 1 < bytes.count else { return nil }
                    switch bytes[index + 1] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 2
                    case UInt8(ascii: "u"):
                        guard index + 5 < bytes.count,
                              bytes[(index + 2)...(index + 5)].allSatisfy({ $0.isHexDigit }) else { return nil }
                        index += 6
                    default:
                        return nil
                    }
                    continue
                }
                index += 1
            }
            return nil
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; true in `integer` when neither part follows.
        mutating func number() -> (start: Int, integer: Bool)? {
            let start = index
            _ = take(UInt8(ascii: "-"))
            guard let first = peek, first.isDigit else { return nil }
            index += 1
            if first != UInt8(ascii: "0") { while peek?.isDigit == true { index += 1 } }
            var integer = true
            if take(UInt8(ascii: ".")) {
                integer = false
                guard peek?.isDigit == true else { return nil }
                while peek?.isDigit == true { index += 1 }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                integer = false
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard peek?.isDigit == true else { return nil }
                while peek?.isDigit == true { index += 1 }
            }
            return (start, integer)
        }

        /// Ids are echoed verbatim: plain integers of up to 15 digits, or
        /// strings of at most 128 bytes without escapes (as the general path).
        mutating func echoableID() -> String? {
            if peek == UInt8(ascii: "\"") {
                guard let text = keptString(), text.utf8.count <= 128 else { return nil }
                return JSONStringEscaper.quoted(text)
            }
            guard let (start, integer) = number(), integer else { return nil }
            let digits = bytes[start..<index]
            guard digits.count <= 15, digits != [UInt8(ascii: "-"), UInt8(ascii: "0")] else { return nil }
            return String(decoding: digits, as: UTF8.self)
        }
    }
}

private extension UInt8 {
    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
