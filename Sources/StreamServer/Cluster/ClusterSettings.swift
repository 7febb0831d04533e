/// `cluster` in the configuration file: running several instances as one
/// service through Redis. Without `redis` the server is a single node and
/// nothing here is used.
public struct ClusterSettings: Sendable, Codable, Equatable {
    /// `redis://HOST:PORT[/DB]` (also `redis://:PASSWORD@HOST:PORT`); `--redis`.
    public var redis: String?
    /// Prefix of every key and channel streamd uses in Redis, so several
    /// clusters can share one Redis (`--redis-prefix`).
    public var keyPrefix = "streamd:"
    /// A session's lease on its subject's cross-instance count; renewed at a
    /// third of it, so a dead instance's sessions are forgotten within one lease.
    public var sessionLeaseSeconds = 30.0
    /// A Redis reply slower than this counts as a dead link (reconnect).
    public var replyTimeoutSeconds = 3.0
    /// Longest wait between reconnect attempts (exponential backoff with jitter from 0.1 s).
    public var maxBackoffSeconds = 5.0
    /// Commands awaiting Redis's replies per link; beyond it a publish is refused with `unavailable`.
    public var maxPendingCommands = 100_000
    /// Messages one channel may hold back while its gap is fetched from the
    /// stream; beyond it the gap is declared (a `recovery_failed` notice) and delivery goes on.
    public var maxHeldPerChannel = 10_000
    /// Entries kept in the Redis stream of each private channel (`order:`,
    /// `payload:`), far above `streams.history_depth`, so an instance that
    /// was away fills its durable log from Redis for deep replay.
    public var privateStreamLength = 100_000

    public init() {}

    enum CodingKeys: String, CodingKey {
        case redis, keyPrefix = "key_prefix", sessionLeaseSeconds = "session_lease_s"
        case replyTimeoutSeconds = "reply_timeout_s", maxBackoffSeconds = "max_backoff_s"
        case maxPendingCommands = "max_pending_commands", maxHeldPerChannel = "max_held_per_channel"
        case privateStreamLength = "private_stream_length"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ClusterSettings()
        redis = try c.decodeIfPresent(String.self, forKey: .redis)
        keyPrefix = try c.decodeIfPresent(String.self, forKey: .keyPrefix) ?? d.keyPrefix
        sessionLeaseSeconds = try c.decodeIfPresent(Double.self, forKey: .sessionLeaseSeconds) ?? d.sessionLeaseSeconds
        replyTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .replyTimeoutSeconds) ?? d.replyTimeoutSeconds
        maxBackoffSeconds = try c.decodeIfPresent(Double.self, forKey: .maxBackoffSeconds) ?? d.maxBackoffSeconds
        maxPendingCommands = try c.decodeIfPresent(Int.self, forKey: .maxPendingCommands) ?? d.maxPendingCommands
        maxHeldPerChannel = try c.decodeIfPresent(Int.self, forKey: .maxHeldPerChannel) ?? d.maxHeldPerChannel
        privateStreamLength = try c.decodeIfPresent(Int.self, forKey: .privateStreamLength) ?? d.privateStreamLength
    }

    /// What is wrong with these settings, field by field (empty when nothing).
    func problems() -> [String] {
        var found: [String] = []
        if keyPrefix.isEmpty { found.append("cluster.key_prefix must not be empty") }
        if sessionLeaseSeconds < 3 { found.append("cluster.session_lease_s must be at least 3") }
        if replyTimeoutSeconds <= 0 { found.append("cluster.reply_timeout_s must be above 0") }
        if maxBackoffSeconds < 0.1 { found.append("cluster.max_backoff_s must be at least 0.1") }
        if maxPendingCommands < 1 { found.append("cluster.max_pending_commands must be at least 1") }
        if maxHeldPerChannel < 1 { found.append("cluster.max_held_per_channel must be at least 1") }
        if privateStreamLength < 1 { found.append("cluster.private_stream_length must be at least 1") }
        return found
    }
}
