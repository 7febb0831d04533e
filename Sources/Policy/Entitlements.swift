/// Why a session with a valid token may not connect. The server answers 403
/// with `reason` as the error code.
public struct EntitlementError: Error, Sendable, Equatable {
    /// `unknown_role`, `disabled` or `no_roles`.
    public let reason: String
    public let message: String

    static func unknownRole(_ role: String) -> EntitlementError {
        EntitlementError(reason: "unknown_role", message: "the token's role \(String(reflecting: role)) is not defined by the policy")
    }

    static let disabled = EntitlementError(reason: "disabled", message: "this client is disabled by the policy")
    static let noRoles = EntitlementError(reason: "no_roles", message: "the token grants no roles")
}

/// What one session may do, fixed when it connects (and recomputed on token
/// refresh or policy reload).
///
/// A channel is allowed when some role pattern allows it AND, if the token has
/// a `channels` claim, some claim pattern allows it too: the claim can only
/// narrow. For a subscribe pattern "allows" means "covers": every channel the
/// request could ever match must be allowed, so `order:*` is refused to a
/// session that owns only `order:acct-1`.
public struct Entitlements: Sendable {
    public let subject: String
    /// Subscribe patterns after narrowing by the claim, minimal and in policy
    /// order: what the welcome message lists. Narrowing is always exactly
    /// representable here (see `ResolvedPattern.intersection`).
    public let subscribePatterns: [ResolvedPattern]
    public let rateLimit: RateLimit
    public let maxConnections: Int

    let roleSubscribe: [ResolvedPattern]
    let rolePublish: [ResolvedPattern]
    /// Nil when the token has no `channels` claim; empty when it has one that
    /// allows nothing (an empty array, or only entries that cannot apply).
    let claim: [ResolvedPattern]?

    /// Builds entitlements from already resolved patterns; `PolicySet` is the
    /// usual source, this exists for callers' tests.
    public init(
        subject: String,
        subscribe: [ResolvedPattern],
        publish: [ResolvedPattern],
        channelsClaim: [ResolvedPattern]?,
        rateLimit: RateLimit,
        maxConnections: Int
    ) {
        self.subject = subject
        self.roleSubscribe = subscribe
        self.rolePublish = publish
        self.claim = channelsClaim
        self.rateLimit = rateLimit
        self.maxConnections = maxConnections
        self.subscribePatterns = Self.narrow(subscribe, by: channelsClaim)
    }

    /// `requested` is an exact channel or a `prefix*` pattern from a client.
    /// Ill-formed requests are refused here too, whatever the caller checked.
    public func maySubscribe(_ requested: String) -> Bool {
        guard let request = ResolvedPattern(request: requested) else { return false }
        return Self.anyCovers(roleSubscribe, request) && (claim.map { Self.anyCovers($0, request) } ?? true)
    }

    /// Publishing goes to exactly one channel; a pattern is never publishable.
    public func mayPublish(_ channel: String) -> Bool {
        guard let request = ResolvedPattern(request: channel), !request.isWildcard else { return false }
        return Self.anyCovers(rolePublish, request) && (claim.map { Self.anyCovers($0, request) } ?? true)
    }

    /// E.g. `["tick:*", "order:acct-1"]`, for the welcome message.
    public var subscribeDescriptions: [String] { subscribePatterns.map(\.description) }

    /// Publish patterns after narrowing, in the same form as `subscribePatterns`.
    public var publishPatterns: [ResolvedPattern] { Self.narrow(rolePublish, by: claim) }

    private static func anyCovers(_ patterns: [ResolvedPattern], _ request: ResolvedPattern) -> Bool {
        patterns.contains { $0.covers(request) }
    }

    /// Every role pattern intersected with every claim pattern, then reduced to
    /// the patterns not covered by another, keeping first-seen order.
    static func narrow(_ patterns: [ResolvedPattern], by claim: [ResolvedPattern]?) -> [ResolvedPattern] {
        let candidates = claim.map { claim in patterns.flatMap { p in claim.compactMap { p.intersection($0) } } } ?? patterns
        var kept: [ResolvedPattern] = []
        for (index, candidate) in candidates.enumerated() {
            let redundant = candidates.enumerated().contains { other in
                other.offset != index && other.element.covers(candidate)
                    && (other.element != candidate || other.offset < index)
            }
            if !redundant { kept.append(candidate) }
        }
        return kept
    }
}
