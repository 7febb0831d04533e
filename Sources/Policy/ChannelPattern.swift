/// Why a string is not a valid channel name or pattern. `description` is a
/// reason phrase; callers put the offending text in front of it.
public enum ChannelPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case tooLong(bytes: Int, max: Int)
    case notPrintableASCII(offset: Int)
    case missingKind
    case unknownKind(String)
    case emptyName
    case misplacedWildcard
    case badPlaceholder
    case repeatedSubject
    case wildcardWithSubject

    public var description: String {
        switch self {
        case .empty: "empty"
        case .tooLong(let bytes, let max): "\(bytes) bytes long, at most \(max) allowed"
        case .notPrintableASCII(let offset): "byte \(offset) is not printable ASCII (0x21-0x7e; no spaces or control characters)"
        case .missingKind: "no kind prefix: expected kind:name with kind one of \(ChannelName.kinds.joined(separator: ", "))"
        case .unknownKind(let kind): "unknown kind \"\(kind)\": expected one of \(ChannelName.kinds.joined(separator: ", "))"
        case .emptyName: "nothing after the kind prefix"
        case .misplacedWildcard: "one '*' at most, and only as the last character"
        case .badPlaceholder: "'{' and '}' may appear only as the placeholder {sub}"
        case .repeatedSubject: "{sub} may appear only once"
        case .wildcardWithSubject: "{sub} cannot be combined with '*' (order:{sub}* would match order:acct-10 for subject acct-1)"
        }
    }
}

/// A channel pattern as written in a policy file or a token's `channels`
/// claim, before the subject is known.
///
/// Forms: an exact name (`tick:EURUSD`), a prefix wildcard (`tick:*`,
/// `tick:EUR*`), or a private channel (`order:{sub}`; literal text may surround
/// the placeholder, as in `order:desk-{sub}`). The text is split around
/// `{sub}` here, at parse time, so the subject filled in later is only ever
/// literal text: whatever a subject contains (`*`, `{sub}`, `:`), it cannot
/// become syntax.
public struct ChannelPattern: Sendable, Hashable, CustomStringConvertible {
    let parts: ChannelSyntax.Parts

    /// Checks syntax only (section 4 names, at most 128 bytes as written).
    public init(parsing text: String) throws(ChannelPatternError) {
        switch ChannelSyntax.scan(text, maxBytes: ChannelName.defaultMaxBytes, placeholders: true) {
        case .success(let parts): self.parts = parts
        case .failure(let error): throw error
        }
    }

    /// Whether the pattern names the session's own subject.
    public var usesSubject: Bool { parts.hasSubject }

    public var isWildcard: Bool { parts.isWildcard }

    /// The pattern as written (normalised: it re-parses to the same value).
    public var description: String {
        parts.hasSubject ? parts.prefix + ChannelSyntax.placeholder + parts.suffix
            : parts.prefix + (parts.isWildcard ? "*" : "")
    }

    /// The pattern for one session. Nil when the pattern uses `{sub}` and the
    /// subject cannot be used safely (see `isSubstitutable`): such a pattern
    /// then grants nothing, rather than something surprising.
    public func resolved(subject: String) -> ResolvedPattern? {
        guard parts.hasSubject else { return ResolvedPattern(prefix: parts.prefix, isWildcard: parts.isWildcard) }
        guard Self.isSubstitutable(subject: subject) else { return nil }
        let name = parts.prefix + subject + parts.suffix
        // A name over the protocol limit can never be subscribed to or published.
        guard name.utf8.count <= ChannelName.defaultMaxBytes else { return nil }
        return ResolvedPattern(prefix: name, isWildcard: false)
    }

    /// Subjects longer than this get no `{sub}` channels.
    public static let maxSubjectBytes = 100

    /// A subject may stand in for `{sub}` only if it is 1–100 bytes of
    /// printable ASCII without `*`. The substitution is literal either way;
    /// this rule exists so the resulting channel is a name a client can
    /// actually send (no spaces, no control bytes, not mistaken for a
    /// subscribe pattern) and so an empty subject never owns `order:`.
    public static func isSubstitutable(subject: String) -> Bool {
        let bytes = subject.utf8
        guard (1...maxSubjectBytes).contains(bytes.count) else { return false }
        return bytes.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "*") }
    }
}
