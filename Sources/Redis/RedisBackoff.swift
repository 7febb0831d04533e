/// The reconnect schedule: the ceiling doubles from `initial` up to `cap`
/// per failed attempt, and the delay is drawn from the upper half of it
/// ("equal jitter"): never a zero-delay retry loop against a server that is
/// down, yet many loops dropped by one restart do not return in lockstep.
/// Pure; the random draw is injected for tests.
struct RedisBackoff {
    let initial: Double
    let cap: Double
    private(set) var attempt = 0

    init(initial: Double, cap: Double) {
        self.initial = initial
        self.cap = cap
    }

    func ceiling(forAttempt n: Int) -> Double {
        var value = initial
        for _ in 0..<max(0, n) {
            value *= 2
            if value >= cap { return cap }
        }
        return min(value, cap)
    }

    /// The next delay in seconds; `unit` draws from [0, 1).
    mutating func nextDelay(unit: () -> Double = { Double.random(in: 0..<1) }) -> Double {
        let ceiling = ceiling(forAttempt: attempt)
        attempt += 1
        return ceiling / 2 + ceiling / 2 * min(max(unit(), 0), 1)
    }

    /// A connection that reached `.ready` proves the server is back.
    mutating func reset() { attempt = 0 }
}
