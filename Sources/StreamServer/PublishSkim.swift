import Base
import TextFormat
import WebSocket

/// The fast path for the message a producer sends thousands of times a
/// second: `publish`. One pass of the strict `JSONReader`, reading without
/// building (the grammar, depth rule and refusals of the general path, but
/// no tree), keeps what publishing needs: the top-level strings, `id` as
/// the text to echo, `data` as its exact bytes (it is forwarded as the
/// publisher wrote it, never parsed and re-encoded), and a `valid_until`
/// inside `data`.
///
/// Anything out of the ordinary (escapes in a name or a string it keeps,
/// an `id` that is neither a plain integer nor a short string, nesting
/// deeper than `maxDepth`) or anything the reader refuses gives nil, and
/// the message takes the general path, which words the error. Never
/// touches a socket.
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
        var reader = JSONReader(bytes, maximumDepth: maxDepth)
        var skim = PublishSkim()
        guard (try? skim.read(&reader, bytes)) == true, (try? reader.finish()) != nil else { return nil }
        return skim
    }

    /// The top-level members; false on what the fast path leaves to the
    /// general one (escapes in a name or a kept string, an id it cannot
    /// echo, a `valid_until` in `data` that is not a plain string), a throw
    /// on what the reader refuses.
    private mutating func read(_ reader: inout JSONReader, _ bytes: [UInt8]) throws(JSONSyntaxError) -> Bool {
        var object = try reader.beginObject()
        while let name = try reader.nextName(in: &object) {
            guard !name.isEscaped else { return false }
            switch String(decoding: bytes[name.range], as: UTF8.self) {
            case "type": type = try reader.readPlainString(); guard type != nil else { return false }
            case "channel": channel = try reader.readPlainString(); guard channel != nil else { return false }
            case "event": event = try reader.readPlainString(); guard event != nil else { return false }
            case "valid_until": validUntil = try reader.readPlainString(); guard validUntil != nil else { return false }
            case "idempotency_key":
                idempotencyKey = try reader.readPlainString()
                guard idempotencyKey != nil else { return false }
            case "id": id = try Self.echoableID(&reader, bytes); guard id != nil else { return false }
            case "data": guard try readData(&reader, bytes) else { return false }
            default: try reader.skipValue()
            }
        }
        return true
    }

    /// `data`: its bytes when it is an object, and a plain-string `valid_until` among its members.
    private mutating func readData(_ reader: inout JSONReader, _ bytes: [UInt8]) throws(JSONSyntaxError) -> Bool {
        guard reader.nextByte() == UInt8(ascii: "{") else {
            dataIsNotAnObject = true
            try reader.skipValue()
            return true
        }
        let start = reader.position
        var members = try reader.beginObject()
        while let name = try reader.nextName(in: &members) {
            guard !name.isEscaped else { return false }
            guard bytes[name.range].elementsEqual("valid_until".utf8) else {
                try reader.skipValue()
                continue
            }
            dataValidUntil = try reader.readPlainString()
            guard dataValidUntil != nil else { return false }
        }
        data = start..<reader.position
        return true
    }

    /// Ids are echoed verbatim: plain integers of up to 15 characters, or
    /// strings of at most 128 bytes without escapes (as the general path).
    private static func echoableID(_ reader: inout JSONReader, _ bytes: [UInt8]) throws(JSONSyntaxError) -> String? {
        guard let first = reader.nextByte() else { return nil }
        switch first {
        case UInt8(ascii: "\""):
            guard let text = try reader.readPlainString(), text.utf8.count <= 128 else { return nil }
            return JSONStringEscaper.quoted(text)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let literal = bytes[try reader.skipValue()]
            let digits = literal.first == UInt8(ascii: "-") ? literal.dropFirst() : literal
            guard literal.count <= 15, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  !literal.elementsEqual("-0".utf8) else { return nil }
            return String(decoding: literal, as: UTF8.self)
        default:
            return nil
        }
    }
}
