/// The merged, validated policy: roles, per-client overrides, connection
/// limits and the origin allowlist. A value: a reload builds a new one and the
/// server swaps it in, so sessions never see a half-applied policy.
public struct PolicySet: Sendable {
    /// A role with its `includes` already flattened into its patterns.
    struct Role: Sendable {
        var subscribe: [ChannelPattern]
        var publish: [ChannelPattern]
        var rateLimit: RateLimit?
        var maxConnections: Int?
    }

    struct ClientOverride: Sendable {
        var rateLimit: RateLimit?
        var maxConnections: Int?
        var disabled: Bool
    }

    /// The files the policy came from, in the order they were merged.
    public let files: [String]
    let roles: [String: Role]
    let clients: [String: ClientOverride]
    let disabledClients: Set<String>
    let origins: OriginAllowlist
    let defaultRateLimit: RateLimit
    let defaultMaxConnections: Int
    let attemptsPerMinute: Int

    static let builtInMaxConnections = 10
    static let builtInAttemptsPerMinute = 60

    public var roleNames: [String] { roles.keys.sorted() }

    /// Connection attempts allowed per client address per minute; 0 = unlimited.
    public var attemptsPerMinutePerAddress: Int { attemptsPerMinute }

    /// Open connections per subject for subjects whose roles and client entry
    /// set no `max_connections` (the files' `defaults.max_connections`).
    public var maxConnectionsPerSubject: Int { defaultMaxConnections }

    /// The rate limit for sessions whose roles and client entry set none.
    public var defaultMessageRateLimit: RateLimit { defaultRateLimit }

    /// A subject is disabled by `disabled_clients` or by `clients.<sub>.disabled`;
    /// either one suffices, so a stale `"disabled": false` never re-enables.
    public func isDisabled(subject: String) -> Bool {
        disabledClients.contains(subject) || clients[subject]?.disabled == true
    }

    /// For requests that carry an `Origin` header. See `OriginAllowlist`.
    public func isOriginAllowed(_ origin: String) -> Bool {
        origins.allows(origin)
    }

    /// What a session with this verified subject, `roles` claim and optional
    /// `channels` claim may do, or why it may not connect at all.
    ///
    /// Checked in this order: disabled client, no roles, unknown role. Every
    /// role in the token must exist: a token naming a role the policy no
    /// longer has is stale and is refused rather than partly honoured.
    public func entitlements(subject: String, roles roleNames: [String], channelsClaim: [String]?) -> Result<Entitlements, EntitlementError> {
        if isDisabled(subject: subject) { return .failure(.disabled) }
        if roleNames.isEmpty { return .failure(.noRoles) }
        var granted: [Role] = []
        var seen = Set<String>()
        for name in roleNames where seen.insert(name).inserted {
            guard let role = roles[name] else { return .failure(.unknownRole(name)) }
            granted.append(role)
        }

        // `{sub}` patterns whose subject cannot be filled in drop out here.
        let subscribe = granted.flatMap { $0.subscribe.compactMap { $0.resolved(subject: subject) } }
        let publish = granted.flatMap { $0.publish.compactMap { $0.resolved(subject: subject) } }
        // Claim entries that do not parse, or cannot be resolved, allow
        // nothing; dropping them can only narrow further, never widen.
        let claim = channelsClaim.map { entries in
            entries.compactMap { try? ChannelPattern(parsing: $0).resolved(subject: subject) }
        }

        let override = clients[subject]
        let roleRate = granted.compactMap(\.rateLimit).reduce(nil) { best, next in best.map { $0.mostGenerous(next) } ?? next }
        let roleMax = granted.compactMap(\.maxConnections).max()
        return .success(Entitlements(
            subject: subject,
            subscribe: subscribe,
            publish: publish,
            channelsClaim: claim,
            rateLimit: override?.rateLimit ?? roleRate ?? defaultRateLimit,
            maxConnections: override?.maxConnections ?? roleMax ?? defaultMaxConnections
        ))
    }
}
