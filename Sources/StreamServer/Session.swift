import Auth
import Policy

/// What an authenticated connection knows about its client: who it is, what
/// it may read and publish, what it subscribed to, and its counters for the
/// audit log's disconnect line. Lives on the connection's loop.
final class Session {
    let id: String
    var claims: Claims
    var entitlements: Entitlements
    /// Subscription strings as the client sent them (exact or `prefix*`).
    var subscriptions: Set<String> = []
    /// Per channel, the last seq already sent by a replay or snapshot: live
    /// copies at or below it (still in flight to this loop) are skipped.
    var watermarks: [String: UInt64] = [:]
    /// Channels this session has published on (the first publish per channel is audited).
    var publishedChannels: Set<String> = []
    var bucket: TokenBucket
    /// Rate-limited messages since the last accepted one.
    var strikes = 0
    /// Unix seconds; the session closes with 4001 when it passes (unless refreshed).
    var expiresAt: Int64
    let openedAtMilliseconds: Int64
    var messagesIn = 0
    var bytesIn = 0
    var messagesOut = 0
    var bytesOut = 0

    init(id: String, claims: Claims, entitlements: Entitlements, now: UInt64, openedAtMilliseconds: Int64) {
        self.id = id
        self.claims = claims
        self.entitlements = entitlements
        self.bucket = TokenBucket(rate: entitlements.rateLimit, now: now)
        self.expiresAt = claims.expiresAt
        self.openedAtMilliseconds = openedAtMilliseconds
    }

    var subject: String { claims.subject }
}
