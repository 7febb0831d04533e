/// How long to wait before reconnecting: exponential growth from `initial`
/// by `factor`, capped at `cap`, with full jitter (a uniform draw between 0
/// and the ceiling) so that many clients dropped by one restart do not all
/// come back in the same instant.
public struct BackoffPolicy: Sendable, Equatable {
    public var initial: Double
    public var factor: Double
    public var cap: Double
    /// A connection that stayed up this long starts the schedule over.
    public var resetAfter: Double
    /// False gives the ceiling itself: deterministic, for tests and tools.
    public var jitter: Bool

    public init(initial: Double = 0.5, factor: Double = 2, cap: Double = 30, resetAfter: Double = 30, jitter: Bool = true) {
        self.initial = initial
        self.factor = factor
        self.cap = cap
        self.resetAfter = resetAfter
        self.jitter = jitter
    }
}

/// The retry schedule of one client. Pure: the random draw is injected.
public struct Backoff: Sendable {
    public let policy: BackoffPolicy
    /// Failed attempts since the schedule last started over.
    public private(set) var attempt = 0

    public init(policy: BackoffPolicy = BackoffPolicy()) { self.policy = policy }

    /// The largest delay of attempt `n` (0-based): min(cap, initial × factor^n).
    public func ceiling(forAttempt n: Int) -> Double {
        var value = policy.initial
        for _ in 0..<max(0, n) {
            value *= policy.factor
            if value >= policy.cap { return policy.cap }
        }
        return min(value, policy.cap)
    }

    /// The delay before the next attempt; `unit` draws from [0, 1).
    public mutating func nextDelay(unit: () -> Double = { Double.random(in: 0..<1) }) -> Double {
        let ceiling = ceiling(forAttempt: attempt)
        attempt += 1
        return policy.jitter ? ceiling * min(max(unit(), 0), 1) : ceiling
    }

    /// Called when a connection ends after `stableSeconds` of being up: one
    /// that lasted long enough proves the server healthy again.
    public mutating func connectionEnded(afterStableSeconds stableSeconds: Double) {
        if stableSeconds >= policy.resetAfter { attempt = 0 }
    }

    public mutating func reset() { attempt = 0 }
}
