/// Limits connection attempts per client address, answering with a
/// Retry-After for the 429.
///
/// Each address gets a token bucket of `attemptsPerMinute` tokens refilling
/// at `attemptsPerMinute` per minute: a burst of N, then one attempt every
/// 60/N seconds. That is a sliding limit (no doubled burst at a window edge)
/// in constant memory per address. An address whose bucket has refilled is
/// indistinguishable from a new one, so `prune` drops it without changing
/// any future answer.
public struct AttemptLimiter: Sendable {
    public let attemptsPerMinute: Int
    /// Addresses tracked at most; see `attempt` for what happens beyond it.
    public let maxTrackedAddresses: Int
    private let rate: RateLimit
    private var buckets: [String: TokenBucket] = [:]

    /// `attemptsPerMinute` 0 means unlimited (nothing is tracked).
    public init(attemptsPerMinute: Int, maxTrackedAddresses: Int = 65_536) {
        self.attemptsPerMinute = max(attemptsPerMinute, 0)
        self.maxTrackedAddresses = max(maxTrackedAddresses, 1)
        self.rate = RateLimit(messagesPerSecond: Double(max(attemptsPerMinute, 1)) / 60, burst: max(attemptsPerMinute, 1))
    }

    /// Number of addresses currently tracked.
    public var trackedAddresses: Int { buckets.count }

    /// Records an attempt from `address` at `now` (monotonic nanoseconds).
    /// When refused, `retryAfterSeconds` (at least 1) is when the next attempt
    /// would succeed, rounded up.
    ///
    /// When the table is full even after pruning, a new address is refused:
    /// admitting it untracked would let whoever filled the table (with many
    /// addresses) bypass the limit from any further one. Known addresses keep
    /// their normal treatment.
    public mutating func attempt(address: String, now: UInt64) -> (allowed: Bool, retryAfterSeconds: Int) {
        guard attemptsPerMinute > 0 else { return (true, 0) }
        if buckets[address] == nil && buckets.count >= maxTrackedAddresses {
            prune(now: now)
            if buckets.count >= maxTrackedAddresses {
                return (false, Self.seconds(roundingUp: 60_000_000_000 / UInt64(attemptsPerMinute)))
            }
        }
        let rate = self.rate
        let allowed = buckets[address, default: TokenBucket(rate: rate, now: now)].take(now: now)
        if allowed { return (true, 0) }
        let wait = buckets[address]!.nanosecondsUntilAvailable(now: now)
        return (false, Self.seconds(roundingUp: wait))
    }

    /// Forgets addresses that have not used any of their allowance lately.
    /// Call it periodically (say once a minute); cost is linear in the table.
    public mutating func prune(now: UInt64) {
        buckets = buckets.filter { !$0.value.isFull(now: now) }
    }

    private static func seconds(roundingUp nanoseconds: UInt64) -> Int {
        let seconds = nanoseconds / 1_000_000_000 + (nanoseconds % 1_000_000_000 == 0 ? 0 : 1)
        return Int(clamping: max(seconds, 1))
    }
}
