/// When each message of a constant-rate stream is due: message n (from 0) at
/// `start + n / rate`. The publisher asks how many are due by now and sends
/// the difference, so a late wake-up catches up instead of lowering the rate
/// (the open-loop schedule that avoids coordinated omission).
public struct PacingSchedule: Sendable, Equatable {
    public let rate: Double
    public let start: UInt64

    public init(rate: Double, start: UInt64) {
        precondition(rate > 0, "a pacing rate must be positive")
        self.rate = rate
        self.start = start
    }

    /// Messages due at `now` (nanoseconds on the same clock as `start`),
    /// counting the one due at `start` itself.
    public func dueCount(at now: UInt64) -> Int {
        guard now >= start else { return 0 }
        return Int((Double(now - start) * rate / 1e9).rounded(.down)) + 1
    }

    /// When message `n` (from 0) is due.
    public func dueTime(of n: Int) -> UInt64 {
        start + UInt64((Double(n) * 1e9 / rate).rounded(.up))
    }

    /// How many of the `due` messages to send now after `sent` went out:
    /// at most `maxBurst`, so a long stall (a paused process) does not turn
    /// into one enormous burst that measures the queue instead of the server.
    public static func batch(due: Int, sent: Int, maxBurst: Int) -> Int {
        Swift.max(0, Swift.min(due - sent, maxBurst))
    }
}
