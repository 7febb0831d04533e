/// A token bucket for per-client message rates, with the clock injected
/// (monotonic nanoseconds) so tests control time and the event loop reads the
/// clock once per turn.
///
/// Kept as a GCRA ("virtual scheduling"): one timestamp, the theoretical
/// arrival time of the next message, instead of a fractional token count.
/// Integer nanoseconds do not drift the way repeated floating-point refills
/// do, so "20 per second" admits exactly one message per 50 ms. It runs per
/// client message: no allocation, no Foundation, no locks.
public struct TokenBucket: Sendable {
    /// Nanoseconds one token takes to refill.
    private var interval: UInt64
    /// `burst * interval`: how far ahead of `now` the schedule may run.
    private var capacity: UInt64
    /// When the bucket will be full again; at or before `now` means full.
    private var fullAt: UInt64

    /// Starts full, so a client may send `burst` messages right away.
    public init(rate: RateLimit, now: UInt64) {
        (interval, capacity) = Self.parameters(rate)
        fullAt = now
    }

    /// Spends one token if there is one. A clock that steps backwards is
    /// treated as no time passing.
    public mutating func take(now: UInt64) -> Bool {
        let debt = fullAt > now ? fullAt - now : 0
        let (needed, overflow) = debt.addingReportingOverflow(interval)
        guard !overflow, needed <= capacity else { return false }
        fullAt = Self.saturatingAdd(now, needed)
        return true
    }

    /// Switches to a new rate after a policy reload, keeping the number of
    /// tokens already spent (so a reload is neither an amnesty nor a penalty);
    /// a smaller bucket that is over-spent is simply empty.
    public mutating func update(rate: RateLimit, now: UInt64) {
        let spentTokens = fullAt > now ? Double(fullAt - now) / Double(interval) : 0
        (interval, capacity) = Self.parameters(rate)
        let debt = min(spentTokens * Double(interval), Double(capacity))
        fullAt = Self.saturatingAdd(now, debt >= 0x1p64 ? .max : UInt64(debt))
    }

    /// Nanoseconds until `take` would next succeed; 0 if it would now.
    func nanosecondsUntilAvailable(now: UInt64) -> UInt64 {
        let debt = fullAt > now ? fullAt - now : 0
        let (needed, overflow) = debt.addingReportingOverflow(interval)
        if overflow { return .max }
        return needed > capacity ? needed - capacity : 0
    }

    /// Whether the bucket is full, i.e. indistinguishable from a new one.
    func isFull(now: UInt64) -> Bool { fullAt <= now }

    /// Rates below one token per ~11.6 days are raised to it; zero, negative
    /// and NaN rates (which the policy loader refuses anyway) included, so the
    /// arithmetic never divides by zero.
    private static let slowestRate = 1e-6

    private static func parameters(_ rate: RateLimit) -> (interval: UInt64, capacity: UInt64) {
        let perSecond = rate.messagesPerSecond >= slowestRate ? rate.messagesPerSecond : slowestRate
        let nanoseconds = (1e9 / perSecond).rounded()
        let interval = nanoseconds < 1 ? 1 : (nanoseconds >= 0x1p64 ? UInt64.max : UInt64(nanoseconds))
        let (capacity, overflow) = interval.multipliedReportingOverflow(by: UInt64(max(rate.burst, 0)))
        return (interval, overflow ? .max : capacity)
    }

    private static func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
