/// Strict Base64 (RFC 4648): base64url without padding for JWS segments
/// (RFC 7515 §2), the standard alphabet with padding for PEM bodies
/// (RFC 7468) and `Sec-WebSocket-Key`/`Sec-WebSocket-Accept` (RFC 6455).
///
/// Strict on purpose: lenient decoders (libjwt's among them) let a token that
/// is not canonical base64url carry the same signature bytes under different
/// text, and a handshake key must have exactly one spelling. Anything but the
/// one canonical encoding is refused.
public enum Base64 {
    public enum Alphabet: Sendable {
        /// `A-Z a-z 0-9 - _`, no padding, no whitespace.
        case url
        /// `A-Z a-z 0-9 + /`, `=` padding required to a multiple of 4.
        case standard
    }

    /// The decoded bytes, or nil for anything outside the alphabet, padding
    /// where none belongs, an impossible length, or non-zero trailing bits.
    public static func decode(_ text: some Collection<UInt8>, alphabet: Alphabet) -> [UInt8]? {
        var symbols = Array(text)
        switch alphabet {
        case .url:
            guard symbols.count % 4 != 1 else { return nil }
        case .standard:
            guard symbols.count % 4 == 0 else { return nil }
            var padding = 0
            while padding < 2, symbols.last == UInt8(ascii: "=") {
                symbols.removeLast()
                padding += 1
            }
        }

        var output: [UInt8] = []
        output.reserveCapacity(symbols.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for symbol in symbols {
            guard let value = sextet(symbol, alphabet) else { return nil }
            buffer = (buffer << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        // Leftover bits must be zero, or two texts would decode alike.
        guard buffer == 0 else { return nil }
        return output
    }

    /// Standard alphabet, padded.
    public static func decode(_ text: String) -> [UInt8]? {
        decode(text.utf8, alphabet: .standard)
    }

    /// Standard alphabet with padding, on one line.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let b0 = UInt32(input[index])
            let b1 = index + 1 < input.count ? UInt32(input[index + 1]) : 0
            let b2 = index + 2 < input.count ? UInt32(input[index + 2]) : 0
            let triple = (b0 << 16) | (b1 << 8) | b2
            out.append(standardTable[Int(triple >> 18) & 63])
            out.append(standardTable[Int(triple >> 12) & 63])
            out.append(index + 1 < input.count ? standardTable[Int(triple >> 6) & 63] : UInt8(ascii: "="))
            out.append(index + 2 < input.count ? standardTable[Int(triple) & 63] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Standard alphabet with padding, each line of at most `lineLength`
    /// characters ending in "\n" (PEM uses 64).
    public static func encode(_ bytes: some Collection<UInt8>, lineLength: Int) -> String {
        let out = Array(encode(bytes).utf8)
        var wrapped = ""
        var start = 0
        while start < out.count {
            let end = min(start + lineLength, out.count)
            wrapped += String(decoding: out[start..<end], as: UTF8.self)
            wrapped += "\n"
            start = end
        }
        return wrapped
    }

    private static let standardTable = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static func sextet(_ symbol: UInt8, _ alphabet: Alphabet) -> UInt8? {
        switch symbol {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return symbol - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return symbol - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return symbol - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-") where alphabet == .url: return 62
        case UInt8(ascii: "_") where alphabet == .url: return 63
        case UInt8(ascii: "+") where alphabet == .standard: return 62
        case UInt8(ascii: "/") where alphabet == .standard: return 63
        default: return nil
        }
    }
}
