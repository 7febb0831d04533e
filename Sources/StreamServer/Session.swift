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
    /// Per channel, the last position already sent by a replay or snapshot:
    /// live copies at or below it (still in flight to this loop) are
    /// skipped. While a replay of the channel runs, its seq is `.max`: the
    /// replay itself reaches every message published meanwhile.
    var watermarks: [String: Watermark] = [:]
    /// `since` replays still to send, oldest request first (see Connection+Recovery).
    var replays: [ReplayJob] = []
    /// A replay step is posted to the loop (not run inline, so one session's
    /// long replay never holds the loop from the others).
    var replayStepPosted = false
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

/// A session's position on one channel.
struct Watermark {
    let epoch: String
    let seq: UInt64
}

/// One channel's replay in progress: messages of `epoch` from `next` on.
struct ReplayJob {
    let channel: String
    let epoch: String
    var next: UInt64
}
