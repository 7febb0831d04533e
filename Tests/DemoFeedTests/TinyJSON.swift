/// Just enough JSON for the tests to check the feed's payloads: objects,
/// arrays, strings with escapes, numbers (kept as their text), true, false,
/// null. Returns nil for anything malformed, including trailing bytes.
enum TinyJSON: Equatable {
    case object([String: TinyJSON])
    case array([TinyJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func parse(_ text: String) -> TinyJSON? {
        var parser = Parser(bytes: Array(text.utf8))
        guard let value = parser.value() else { return nil }
        parser.skipSpace()
        return parser.index == parser.bytes.count ? value : nil
    }

    var object: [String: TinyJSON]? {
        if case .object(let fields) = self { return fields }
        return nil
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var numberText: String? {
        if case .number(let text) = self { return text }
        return nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value() -> TinyJSON? {
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object()
            case UInt8(ascii: "["): return array()
            case UInt8(ascii: "\""): return string().map(TinyJSON.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return number()
            }
        }

        mutating func object() -> TinyJSON? {
            index += 1
            var fields: [String: TinyJSON] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(fields)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let value = value(), fields[key] == nil else { return nil }
                fields[key] = value
                skipSpace()
                guard index < bytes.count else { return nil }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "}") { return .object(fields) }
                guard bytes[index - 1] == UInt8(ascii: ",") else { return nil }
            }
        }

        mutating func array() -> TinyJSON? {
            index += 1
            var items: [TinyJSON] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                guard let item = value() else { return nil }
                items.append(item)
                skipSpace()
                guard index < bytes.count else { return nil }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "]") { return .array(items) }
                guard bytes[index - 1] == UInt8(ascii: ",") else { return nil }
            }
        }

        mutating func string() -> String? {
            index += 1
            var raw: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: raw, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    let simple: [UInt8: UInt8] = [
                        UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F,
                        UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
                        UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C,
                    ]
                    if let byte = simple[escape] {
                        raw.append(byte)
                    } else if escape == UInt8(ascii: "u"), index + 4 <= bytes.count,
                        let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                        let scalar = Unicode.Scalar(code)
                    {
                        index += 4
                        raw.append(contentsOf: Array(String(scalar).utf8))
                    } else {
                        return nil
                    }
                case 0x00..<0x20:
                    return nil   // control characters must be escaped
                default:
                    raw.append(byte)
                }
            }
            return nil   // unterminated
        }

        mutating func number() -> TinyJSON? {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digits = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
            let intStart = index
            while index < bytes.count, digits(bytes[index]) { index += 1 }
            guard index > intStart else { return nil }
            if index - intStart > 1, bytes[intStart] == UInt8(ascii: "0") { return nil }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                let fractionStart = index
                while index < bytes.count, digits(bytes[index]) { index += 1 }
                guard index > fractionStart else { return nil }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                let exponentStart = index
                while index < bytes.count, digits(bytes[index]) { index += 1 }
                guard index > exponentStart else { return nil }
            }
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        }

        mutating func literal(_ word: String, _ value: TinyJSON) -> TinyJSON? {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
                return nil
            }
            index += expected.count
            return value
        }
    }
}
