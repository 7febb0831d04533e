/// A channel pattern with its subject filled in: an exact channel name, or a
/// literal prefix followed by `*`. Nothing else: there is no placeholder left
/// and no wildcard other than the trailing one, which is what makes `matches`
/// a byte comparison and `covers` exact.
public struct ResolvedPattern: Sendable, Hashable, CustomStringConvertible {
    /// The literal part: the whole name, or everything before the `*`.
    public let prefix: String
    public let isWildcard: Bool

    init(prefix: String, isWildcard: Bool) {
        self.prefix = prefix
        self.isWildcard = isWildcard
    }

    /// A client's subscribe request: an exact name or `prefix*`, with every
    /// other character (including `{sub}`) literal. Nil when it is not a valid
    /// channel name or pattern; the length limit is the caller's to enforce.
    public init?(request: String) {
        guard case .success(let parts) = ChannelSyntax.scan(request, maxBytes: .max, placeholders: false) else { return nil }
        self.init(prefix: parts.prefix, isWildcard: parts.isWildcard)
    }

    public var description: String { isWildcard ? prefix + "*" : prefix }

    // Byte identity, as in `matches`, rather than String's canonical equivalence.
    public static func == (lhs: ResolvedPattern, rhs: ResolvedPattern) -> Bool {
        lhs.isWildcard == rhs.isWildcard && lhs.prefix.utf8.elementsEqual(rhs.prefix.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(isWildcard)
        for byte in prefix.utf8 { hasher.combine(byte) }
    }

    /// Whether the concrete channel `channel` is one this pattern stands for.
    /// Compares UTF-8 bytes: String's `==` uses Unicode canonical equivalence,
    /// and channel identity must be byte identity. Allocation-free.
    public func matches(_ channel: String) -> Bool {
        if isWildcard {
            return channel.utf8.starts(with: prefix.utf8)
        }
        return channel.utf8.elementsEqual(prefix.utf8)
    }

    /// Whether every channel `other` could match is also matched by `self`.
    ///
    /// In this language the answer is exact: an exact name covers only itself;
    /// `P*` covers `Q` and `Q*` exactly when `Q` starts with `P`. A wildcard is
    /// never covered by an exact name, even one it happens to match
    /// (`order:acct-1` does not cover `order:*`).
    public func covers(_ other: ResolvedPattern) -> Bool {
        if isWildcard {
            return other.prefix.utf8.starts(with: prefix.utf8)
        }
        return !other.isWildcard && other.prefix.utf8.elementsEqual(prefix.utf8)
    }

    /// The set of channels both patterns match, which in this language is
    /// always one of the two patterns or empty: two prefixes are either
    /// nested or disjoint. This is what lets a session's narrowed
    /// entitlements be listed exactly in the welcome message.
    func intersection(_ other: ResolvedPattern) -> ResolvedPattern? {
        if covers(other) { return other }
        if other.covers(self) { return self }
        return nil
    }
}
