/// Standard base64 with padding (RFC 4648 §4), for `Sec-WebSocket-Key` and
/// `Sec-WebSocket-Accept`; the standard library has none and this target
/// does not import Foundation.
public enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 0–63 for alphabet bytes, 0xFF otherwise.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            appendSextets(group, count: 4, to: &out)
            index += 3
        }
        switch input.count - index {
        case 1:
            appendSextets(UInt32(input[index]) << 16, count: 2, to: &out)
            out.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "=")])
        case 2:
            appendSextets(UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8, count: 3, to: &out)
            out.append(UInt8(ascii: "="))
        default:
            break
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes canonical padded base64; nil for anything else (wrong length,
    /// bytes outside the alphabet, misplaced padding, non-zero pad bits), so
    /// one key has exactly one spelling.
    public static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            var padding = 0
            if isLast {
                if input[index + 3] == UInt8(ascii: "=") { padding = 1 }
                if padding == 1 && input[index + 2] == UInt8(ascii: "=") { padding = 2 }
            }
            var group: UInt32 = 0
            for offset in 0..<4 {
                let value: UInt8 = offset >= 4 - padding ? 0 : decodeTable[Int(input[index + offset])]
                guard value != 0xFF else { return nil }
                group = group << 6 | UInt32(value)
            }
            out.append(UInt8(truncatingIfNeeded: group >> 16))
            if padding < 2 { out.append(UInt8(truncatingIfNeeded: group >> 8)) }
            if padding < 1 { out.append(UInt8(truncatingIfNeeded: group)) }
            // The bits the padding stands for must be zero.
            if padding == 1 && group & 0xFF != 0 { return nil }
            if padding == 2 && group & 0xFFFF != 0 { return nil }
            index += 4
        }
        return out
    }

    private static func appendSextets(_ group: UInt32, count: Int, to out: inout [UInt8]) {
        for position in 0..<count {
            let shift = UInt32(18 - 6 * position)
            out.append(alphabet[Int((group >> shift) & 0x3F)])
        }
    }
}
