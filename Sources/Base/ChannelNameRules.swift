/// The syntax of channel names (protocol section 3), the one check behind the
/// server's subscribe and publish, and Policy's names and patterns.
///
/// A channel name is `kind:rest`: printable ASCII (0x21–0x7e, so no spaces or
/// control bytes), at most `maxBytes` bytes, `kind` one of the `ChannelKind`s.
/// Names are case-sensitive. Whether `rest` may be empty is the caller's rule:
/// Policy refuses it, the server leaves it to the entitlements.
public enum ChannelNameRules {
    public enum NameError: Error, Sendable, Equatable {
        case empty
        case tooLong(bytes: Int, max: Int)
        case notPrintableASCII(offset: Int)
        /// A `*` the `Wildcard` rule does not allow.
        case wildcard
        /// No `:` at all.
        case missingKind
        /// The text before the first `:` is not a kind.
        case unknownKind(String)
    }

    public enum Wildcard: Sendable {
        /// No `*` anywhere (a channel to publish on). A `*` is reported at its
        /// place among the bytes, before the kind is looked at.
        case forbidden
        /// At most one `*`, as the last character (a subscription pattern).
        /// Checked after the kind.
        case trailing
    }

    /// The name's kind and what follows its `:`, or the first problem.
    public static func check(_ name: String, maxBytes: Int, wildcard: Wildcard) -> Result<(kind: ChannelKind, rest: Substring), NameError> {
        let bytes = name.utf8
        guard !bytes.isEmpty else { return .failure(.empty) }
        guard bytes.count <= maxBytes else { return .failure(.tooLong(bytes: bytes.count, max: maxBytes)) }
        for (offset, byte) in bytes.enumerated() {
            guard (0x21...0x7E).contains(byte) else { return .failure(.notPrintableASCII(offset: offset)) }
            if wildcard == .forbidden && byte == UInt8(ascii: "*") { return .failure(.wildcard) }
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return .failure(.missingKind) }
        let kindText = String(name[..<colon])
        guard let kind = ChannelKind(rawValue: kindText) else { return .failure(.unknownKind(kindText)) }
        let rest = name[bytes.index(after: colon)...]
        let stars = rest.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "*") ? 1 : 0) }
        guard stars == 0 || (stars == 1 && rest.utf8.last == UInt8(ascii: "*")) else { return .failure(.wildcard) }
        return .success((kind, rest))
    }
}
