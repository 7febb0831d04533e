/// One access decision, as the server reports it. The writer thread turns it into one
/// chained JSON line (see `AuditLog.swift` for the format).
///
/// There is deliberately no field for a token, and detail keys that name a credential
/// (`token`, `*_token`, `jwt`, `authorization`, `password`, `secret`, `cookie`) are
/// dropped by the writer: the audit log identifies a token by `jti` and `kid` only, so
/// reading the log never lets anyone replay a session.
public struct AuditEvent: Sendable {
    /// connect, subscribe, publish, rate_limited, refresh, disconnect, policy_reload, token_expired, ...
    public var event: String
    /// accepted, refused, granted, denied, allowed, closed, ok, failed
    public var outcome: String
    /// expired, bad_signature, forbidden, unknown_role, rate_limited, ...
    public var reason: String?
    public var session: String?
    public var remote: String?
    public var subject: String?
    public var jti: String?
    public var kid: String?
    /// Written in this order after the fixed fields: channel, close_code, duration_ms,
    /// messages_in, bytes_in, messages_out, bytes_out, status, ...
    public var details: [(String, AuditValue)]
    /// Wall-clock time of the decision in milliseconds since 1970 (UTC).
    public var timeMilliseconds: Int64

    public init(
        event: String, outcome: String, reason: String? = nil, session: String? = nil, remote: String? = nil,
        subject: String? = nil, jti: String? = nil, kid: String? = nil, details: [(String, AuditValue)] = [],
        timeMilliseconds: Int64? = nil
    ) {
        self.event = event
        self.outcome = outcome
        self.reason = reason
        self.session = session
        self.remote = remote
        self.subject = subject
        self.jti = jti
        self.kid = kid
        self.details = details
        self.timeMilliseconds = timeMilliseconds ?? AuditTime.nowMilliseconds()
    }
}

/// An error that reaches an operator: it names the file and says what to do.
public struct AuditError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// When the writer calls fsync(2). The spelling of the raw values is the config file's.
public enum AuditFsync: String, Sendable, Codable {
    /// Leave it to the kernel: a power loss can lose the last ~30 s of the log.
    case never
    /// `flush()` and `close()` return only after the data is on disk; the usual choice.
    case onFlush = "on_flush"
    /// After every batch as well: the most durable and the slowest.
    case everyBatch = "every_batch"
}
