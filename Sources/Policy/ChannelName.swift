/// Syntax of channel names as clients send them (section 4 of the protocol).
///
/// A channel name is `kind:rest`: printable ASCII (0x21–0x7e, so no spaces or
/// control bytes), at most `maxBytes` bytes, `kind` one of `tick`, `signal`,
/// `order`, `idea`, `payload`, and `rest` not empty. Names are case-sensitive:
/// `order:ACCT-1` and `order:acct-1` are different channels. A subscribe
/// request may end in one `*`, which makes it a pattern; nowhere else may `*`
/// appear. `{` and `}` have no meaning in what clients send: only policy
/// patterns and the token's `channels` claim treat `{sub}` as a placeholder.
public enum ChannelName {
    /// The kinds of channel the protocol defines, in the order of its table.
    public static let kinds: [String] = ["tick", "signal", "order", "idea", "payload"]

    /// The protocol's default limit on a channel name's length.
    public static let defaultMaxBytes = 128

    /// The problem with `name` as a channel name or subscribe pattern, or nil
    /// when it is well formed. Use `isPattern` to refuse patterns where only an
    /// exact name makes sense (publish).
    public static func validate(_ name: String, maxBytes: Int = defaultMaxBytes) -> String? {
        switch ChannelSyntax.scan(name, maxBytes: maxBytes, placeholders: false) {
        case .success: nil
        case .failure(let error): error.description
        }
    }

    /// Whether `s` asks for more than one channel (contains `*`).
    public static func isPattern(_ s: String) -> Bool {
        s.utf8.contains(UInt8(ascii: "*"))
    }
}

/// The single scanner behind channel names, request patterns and policy
/// patterns, so the three can never disagree about what a name is.
enum ChannelSyntax {
    /// A pattern split around its `{sub}` placeholder: `prefix{sub}suffix`, or
    /// just `prefix` (optionally followed by `*`) when there is no placeholder.
    struct Parts: Sendable, Hashable {
        var prefix: String
        var suffix: String
        var hasSubject: Bool
        var isWildcard: Bool
    }

    static let placeholder = "{sub}"

    static func scan(_ text: String, maxBytes: Int, placeholders: Bool) -> Result<Parts, ChannelPatternError> {
        let bytes = text.utf8
        guard !bytes.isEmpty else { return .failure(.empty) }
        guard bytes.count <= maxBytes else { return .failure(.tooLong(bytes: bytes.count, max: maxBytes)) }
        for (offset, byte) in bytes.enumerated() where !(0x21...0x7E).contains(byte) {
            return .failure(.notPrintableASCII(offset: offset))
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return .failure(.missingKind) }
        let kind = String(text[..<colon])
        guard ChannelName.kinds.contains(kind) else { return .failure(.unknownKind(kind)) }
        let rest = text[bytes.index(after: colon)...]
        guard !rest.isEmpty else { return .failure(.emptyName) }

        let stars = rest.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "*") ? 1 : 0) }
        let isWildcard = rest.utf8.last == UInt8(ascii: "*")
        guard stars == 0 || (stars == 1 && isWildcard) else { return .failure(.misplacedWildcard) }
        let literal = isWildcard ? rest.dropLast() : rest[...]
        let head = String(text[...colon])

        guard placeholders else {
            return .success(Parts(prefix: head + literal, suffix: "", hasSubject: false, isWildcard: isWildcard))
        }
        // In policy patterns braces exist only as `{sub}`; a lone or misspelt
        // `{user}` is refused rather than read as a literal that matches nothing.
        let pieces = literal.split(separator: placeholder, omittingEmptySubsequences: false)
        for piece in pieces where piece.utf8.contains(where: { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }) {
            return .failure(.badPlaceholder)
        }
        switch pieces.count {
        case 1:
            return .success(Parts(prefix: head + literal, suffix: "", hasSubject: false, isWildcard: isWildcard))
        case 2:
            // `order:{sub}*` would give subject `acct-1` the channel
            // `order:acct-10` of another subject: no prefix of a subject is safe.
            guard !isWildcard else { return .failure(.wildcardWithSubject) }
            return .success(Parts(prefix: head + pieces[0], suffix: String(pieces[1]), hasSubject: true, isWildcard: false))
        default:
            return .failure(.repeatedSubject)
        }
    }
}
