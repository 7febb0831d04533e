/// The name of one numbering of a channel. A channel's seqs start over at 1
/// only together with a new epoch, so a position a client holds is the pair
/// (epoch, seq), and a seq of another epoch is never mistaken for one of the
/// current numbering.
public enum Epoch {
    /// Characters in a new epoch: 12 of [a-z0-9] is about 62 bits, so two
    /// numberings of one channel never share a name by chance.
    public static let length = 12
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// Whether `text` can be an epoch: 1 to 64 bytes of [a-z0-9]. Epochs
    /// from elsewhere (Redis, a client) are checked with this, so every
    /// epoch the server writes into JSON needs no escaping.
    public static func isWellFormed<Text: StringProtocol>(_ text: Text) -> Bool {
        let bytes = text.utf8
        return !bytes.isEmpty && bytes.count <= 64 && bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    /// A fresh random epoch (the kernel's random source, through getrandom).
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for _ in 0..<length { bytes.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
