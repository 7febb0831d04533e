import Base

/// Syntax of channel names as clients send them (section 4 of the protocol).
///
/// A channel name is `kind:rest` by `ChannelNameRules`: printable ASCII
/// (0x21–0x7e, so no spaces or control bytes), at most `maxBytes` bytes,
/// `kind` one of the `ChannelKind`s, and here `rest` not empty. Names are case-sensitive:
/// `order:ACCT-1` and `order:acct-1` are different channels. A subscribe
/// request may end in one `*`, which makes it a pattern; nowhere else may `*`
/// appear. `{` and `}` have no meaning in what clients send: only policy
/// patterns and the token's `channels` claim treat `{sub}` as a placeholder.
public enum ChannelName {
    /// The kinds of channel the protocol defines, in the order of its table.
    public static let kinds: [String] = ChannelKind.allCases.map(\.rawValue)

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

/// Policy's scanner over `ChannelNameRules` for channel names, request patterns
/// and policy patterns, so the three can never disagree about what a name is.
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
        let rest: Substring
        switch ChannelNameRules.check(text, maxBytes: maxBytes, wildcard: .trailing) {
        case .success(let parts): rest = parts.rest
        case .failure(.empty): return .failure(.empty)
        case .failure(.tooLong(let bytes, let max)): return .failure(.tooLong(bytes: bytes, max: max))
        case .failure(.notPrintableASCII(let offset)): return .failure(.notPrintableASCII(offset: offset))
        case .failure(.missingKind): return .failure(.missingKind)
        case .failure(.unknownKind(let kind)): return .failure(.unknownKind(kind))
        case .failure(.wildcard): return .failure(.misplacedWildcard)
        }
        // An empty rest has no `*`, so checking it after the wildcard rule
        // reports what checking it before would.
        guard !rest.isEmpty else { return .failure(.emptyName) }
        let isWildcard = rest.utf8.last == UInt8(ascii: "*")
        let literal = isWildcard ? rest.dropLast() : rest[...]
        let head = String(text.dropLast(rest.count))

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
