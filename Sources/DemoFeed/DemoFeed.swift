import Base

/// The simulated market behind `streamd serve --demo`: ticks, model signals,
/// SMC ideas, order lifecycles and prepared payloads for a few symbols and
/// two demo accounts, like the original system's `scripts/test_websocket.py`.
///
/// The feed is pure: it never reads a clock or touches a socket. The caller
/// asks for the events due up to a simulated time, so a seeded feed replays
/// exactly, whatever the steps it is driven in.
public struct DemoFeed: Sendable {
    /// EURUSD, GBPUSD, USDJPY, XAUUSD: taken from the market table so the two never disagree.
    public static let symbols = MarketSymbol.all.map(\.name)
    public static let accounts = ["demo-1", "demo-2"]

    /// The most simulated time one call will catch up on. A demo that was
    /// paused (a stopped process, a suspended laptop) resumes with at most
    /// this much market instead of a flood of stale events.
    public static let maxCatchUpMilliseconds: Int64 = 2_000

    /// What a scheduled entry produces when its time comes.
    enum Job: Sendable {
        case tick(symbol: Int)
        case signal(symbol: Int)
        case idea(symbol: Int)
        case newOrder(account: Int)
        case orderStep(OrderInFlight)
        case payload(account: Int)
    }

    struct Scheduled: Sendable {
        var due: Int64
        var job: Job
    }

    var random: SplitMix64
    var market = MarketSymbol.all
    /// Numbers order and payload ids, so two made in one millisecond differ.
    var serial = 0
    private var pending: [Scheduled] = []
    /// End of the last window handed out; nil until the first call.
    private var handedOutThrough: Int64?

    public init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    /// The events due in (previous call, `nowMilliseconds`], oldest first.
    ///
    /// The first call starts the market at `nowMilliseconds` with one opening
    /// tick per symbol. A time not after the previous call's yields nothing;
    /// a jump of more than `maxCatchUpMilliseconds` skips the older part.
    public mutating func events(upTo nowMilliseconds: Int64) -> [DemoEvent] {
        if handedOutThrough == nil {
            open(at: nowMilliseconds)
            handedOutThrough = nowMilliseconds - 1
        }
        guard let previous = handedOutThrough, nowMilliseconds > previous else { return [] }
        handedOutThrough = nowMilliseconds

        if nowMilliseconds - previous > Self.maxCatchUpMilliseconds {
            // Everything overdue happens once at the start of the kept window,
            // then keeps its usual pace.
            let windowStart = nowMilliseconds - Self.maxCatchUpMilliseconds + 1
            for index in pending.indices where pending[index].due < windowStart {
                pending[index].due = windowStart
            }
        }

        var events: [DemoEvent] = []
        while let next = nextDue(upTo: nowMilliseconds) {
            let entry = pending.remove(at: next)
            run(entry.job, at: entry.due, into: &events)
        }
        return events
    }

    /// The earliest entry due by `time`; ties go to the one scheduled first,
    /// which keeps the order of events independent of the call pattern.
    private func nextDue(upTo time: Int64) -> Int? {
        var best: Int?
        for index in pending.indices where pending[index].due <= time {
            if best == nil || pending[index].due < pending[best!].due { best = index }
        }
        return best
    }

    /// Opening schedule: every symbol ticks at once; the slower streams start
    /// at staggered times within their first period so they do not arrive in
    /// one burst.
    private mutating func open(at origin: Int64) {
        for symbol in market.indices {
            schedule(.tick(symbol: symbol), at: origin)
            schedule(.signal(symbol: symbol), at: origin + random.int64(in: 300...3_000))
            schedule(.idea(symbol: symbol), at: origin + random.int64(in: 1_000...7_000))
        }
        for account in Self.accounts.indices {
            schedule(.newOrder(account: account), at: origin + random.int64(in: 500...5_000))
            schedule(.payload(account: account), at: origin + random.int64(in: 1_000...10_000))
        }
    }

    mutating func schedule(_ job: Job, at due: Int64) {
        pending.append(Scheduled(due: due, job: job))
    }

    /// Produces a job's event and schedules what follows it. Intervals are
    /// drawn around the advertised rates: ticks 4/s per symbol, signals every
    /// ~3 s and ideas every ~7 s per symbol, orders every ~5 s and payloads
    /// every ~10 s per account.
    private mutating func run(_ job: Job, at time: Int64, into events: inout [DemoEvent]) {
        switch job {
        case .tick(let symbol):
            events.append(tick(symbol))
            schedule(job, at: time + random.int64(in: 150...350))
        case .signal(let symbol):
            events.append(signal(symbol))
            schedule(job, at: time + random.int64(in: 2_000...4_000))
        case .idea(let symbol):
            events.append(idea(symbol))
            schedule(job, at: time + random.int64(in: 5_000...9_000))
        case .newOrder(let account):
            let order = newOrder(account, at: time)
            events.append(orderUpdate(order))
            if let step = order.advanced(&random) {
                schedule(.orderStep(step), at: time + random.int64(in: 300...1_500))
            }
            schedule(job, at: time + random.int64(in: 3_500...6_500))
        case .orderStep(let order):
            events.append(orderUpdate(order))
            if let step = order.advanced(&random) {
                schedule(.orderStep(step), at: time + random.int64(in: 300...2_000))
            }
        case .payload(let account):
            events.append(payload(account, at: time))
            schedule(job, at: time + random.int64(in: 8_000...12_000))
        }
    }
}
