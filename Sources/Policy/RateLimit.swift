/// A token-bucket rate: a sustained rate and how many messages may arrive at
/// once after a quiet period.
///
/// Encoded with the same field names as the policy files
/// (`messages_per_second`, `burst`) so the server can echo it unchanged.
public struct RateLimit: Sendable, Equatable, Codable {
    /// Sustained rate; may be fractional (0.5 = one message every two seconds).
    public var messagesPerSecond: Double
    /// Bucket capacity: messages accepted back to back when the bucket is full.
    public var burst: Int

    public init(messagesPerSecond: Double, burst: Int) {
        self.messagesPerSecond = messagesPerSecond
        self.burst = burst
    }

    private enum CodingKeys: String, CodingKey {
        case messagesPerSecond = "messages_per_second"
        case burst
    }

    /// Used when neither the files' `defaults` nor any role or client sets one.
    public static let builtInDefault = RateLimit(messagesPerSecond: 10, burst: 20)

    /// Roles combine generously: a session holding `viewer` and `producer`
    /// should not be throttled to the viewer's rate. Each component is taken
    /// separately, so the result may be more generous than any single role.
    func mostGenerous(_ other: RateLimit) -> RateLimit {
        RateLimit(messagesPerSecond: max(messagesPerSecond, other.messagesPerSecond), burst: max(burst, other.burst))
    }
}
