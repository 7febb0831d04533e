/// Where a RedisConnection is in its life. `.connecting` covers the TCP
/// connect and the handshake (AUTH, SELECT, the owner's onConnected hook,
/// resubscribing); only `.ready` accepts commands from everyone.
public enum RedisConnectionState: Equatable, Sendable, CustomStringConvertible {
    case connecting
    case ready
    /// Down, waiting to reconnect; the reason says why it went down.
    case disconnected(String)
    /// `close()` was called; it stays closed.
    case closed

    public var description: String {
        switch self {
        case .connecting: "connecting"
        case .ready: "ready"
        case .disconnected(let reason): "disconnected (\(reason))"
        case .closed: "closed"
        }
    }
}

/// Timeouts, limits and the reconnect schedule. Durations are seconds.
public struct RedisConnectionOptions: Sendable, Equatable {
    /// The first reconnect delay's ceiling; doubles per failed attempt.
    public var initialBackoff: Double
    public var maxBackoff: Double
    /// The oldest command unanswered this long means the server or the path
    /// to it is dead: the connection is dropped and rebuilt.
    public var replyTimeout: Double
    /// Commands awaiting replies beyond this are refused with `.overloaded`.
    public var maxPending: Int
    /// From starting the TCP connect to `.ready`, including the handshake.
    public var connectTimeout: Double
    /// An idle connection sends PING this often, so a silently dead one (a
    /// subscriber gets no replies to time out) is noticed; nil turns it off.
    public var healthCheckInterval: Double?

    public init(initialBackoff: Double = 0.1, maxBackoff: Double = 5, replyTimeout: Double = 3,
                maxPending: Int = 100_000, connectTimeout: Double = 5, healthCheckInterval: Double? = 5) {
        precondition(initialBackoff > 0 && maxBackoff >= initialBackoff, "redis backoff needs 0 < initial <= max")
        precondition(replyTimeout > 0 && connectTimeout > 0 && maxPending > 0, "redis timeouts and limits must be positive")
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.replyTimeout = replyTimeout
        self.maxPending = maxPending
        self.connectTimeout = connectTimeout
        self.healthCheckInterval = healthCheckInterval
    }
}

extension Double {
    /// Seconds as the loop's timer unit; never negative.
    var nanoseconds: UInt64 { UInt64(Swift.max(0, self) * 1_000_000_000) }
}
