/// JSON string literals, the one way every layer writes them: wire
/// messages, HTTP error bodies, log lines, audit lines, token payloads and
/// the bench's `--json`.
///
/// Escaped: `"` and `\`, the C0 controls (short forms where JSON has them),
/// and U+2028/U+2029 (so the text is also safe inside a JavaScript string).
/// With `escapingTerminalControls`, also DEL and the C1 controls
/// U+0080–U+009F, so a line shown in a terminal cannot carry control
/// sequences: the audit log's form, pinned byte for byte by its tests.
/// Everything else stays UTF-8, which JSON allows.
public enum JSONStringEscaper {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `"…"`, escaped as above.
    public static func appendQuoted(_ string: String, to out: inout [UInt8], escapingTerminalControls: Bool = false) {
        out.append(UInt8(ascii: "\""))
        var utf8 = string.utf8.makeIterator()
        while let byte = utf8.next() {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20: appendUnicodeEscape(UInt16(byte), to: &out)
            case 0x7F where escapingTerminalControls: appendUnicodeEscape(0x7F, to: &out)
            case 0xC2 where escapingTerminalControls:
                // U+0080–U+00BF are C2 80–C2 BF; a String is valid UTF-8, so
                // a C2 lead is always followed by one more byte.
                let second = utf8.next()!
                if second <= 0x9F {
                    appendUnicodeEscape(UInt16(second), to: &out)
                } else {
                    out.append(contentsOf: [byte, second])
                }
            case 0xE2:
                // U+2028 and U+2029 are E2 80 A8 / E2 80 A9.
                let second = utf8.next()!
                let third = utf8.next()!
                if second == 0x80 && (third == 0xA8 || third == 0xA9) {
                    appendUnicodeEscape(third == 0xA8 ? 0x2028 : 0x2029, to: &out)
                } else {
                    out.append(contentsOf: [byte, second, third])
                }
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendUnicodeEscape(_ unit: UInt16, to out: inout [UInt8]) {
        out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int((unit >> UInt16(shift)) & 0xF)])
        }
    }

    /// The escaped literal as a String, for callers building JSON by hand.
    public static func quoted(_ string: String) -> String {
        var out: [UInt8] = []
        appendQuoted(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
