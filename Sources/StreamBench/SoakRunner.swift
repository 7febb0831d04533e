import Dispatch
import NetCore
import StreamClient
import Synchronization
import TLS

/// `streamd bench soak`: opens `connections` subscribers, then for
/// `duration` churns them (close, reopen, a share resuming with `since`)
/// while one publisher sends, sampling the server's RSS, descriptors and
/// gauges every `sampleInterval`; then closes everything, lets the server
/// settle, and judges the samples (`SoakVerdict`).
public final class SoakRunner: @unchecked Sendable {
    let settings: SoakSettings
    let target: BenchTarget
    let probe: SoakProbe
    let context: TLSContext
    let group: EventLoopGroup
    private let stopRequested = Atomic<Bool>(false)

    public struct Outcome: Sendable {
        public var samples: [SoakSample] = []
        public var fdsBefore = 0
        public var fdsAfter = 0
        public var fdsPeak = 0
        public var rssBefore: Double?
        public var rssAfter: Double?
        public var rssPeak: Double = 0
        public var soakSeconds = 0.0
        /// When the soak phase started, in seconds since the run started.
        public var soakStartedAt = 0.0
        public var published: UInt64 = 0
        public var verdict: SoakVerdict?
        fileprivate(set) var counters = SoakCounters()
        public var notes: [String] = []

        public var summary: String { SoakReport.summary(self) }
    }

    public init(settings: SoakSettings, target: BenchTarget) throws {
        guard let pid = settings.serverPID else {
            throw BenchError("soak reads the server's /proc/PID/status and /proc/PID/fd: pass --server-pid (the server must run on this machine)")
        }
        self.settings = settings
        self.target = target
        probe = SoakProbe(pid: pid, endpoint: target.endpoint, caPath: target.caPath)
        guard probe.openDescriptors() != nil else {
            throw BenchError("cannot read /proc/\(pid)/fd (is process \(pid) running, and ours to read?)")
        }
        do {
            context = try TLSContext(client: TLSClientConfiguration(caPath: target.caPath))
            group = try EventLoopGroup(loopCount: settings.threads)
        } catch {
            throw BenchError("cannot set up TLS and the event loops: \(error)")
        }
    }

    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }
    var isStopping: Bool { stopRequested.load(ordering: .relaxed) }

    /// Runs the soak; `line` receives the sample table as it grows.
    public func run(line: @escaping (String) -> Void) throws -> Outcome {
        group.start(name: "soak")
        defer { group.stopAndJoin() }
        var outcome = Outcome()
        outcome.fdsBefore = probe.openDescriptors() ?? 0
        outcome.rssBefore = probe.residentBytes()
        let publishedBefore = probe.metrics().flatMap { MetricsText.value(of: "streamd_published_total", in: $0) }

        let publisher: Publisher
        do {
            publisher = try Publisher(loop: group.loops[0], endpoint: target.endpoint, context: context, token: target.publisherToken,
                                      channel: settings.channel, offerCompression: settings.compression)
        } catch {
            throw BenchError("cannot set up the publisher: \(error)")
        }
        let loops = group.loops.count
        let pools = group.loops.enumerated().map { index, loop in
            SoakPool(dialer: Dialer(loop: loop, endpoint: target.endpoint, context: context, token: target.token,
                                    offerCompression: settings.compression), channel: settings.channel,
                     target: settings.connections / loops + (index < settings.connections % loops ? 1 : 0),
                     inFlightLimit: max(1, settings.openConcurrency / loops),
                     churnPerSecond: settings.churnPerSecond / Double(loops), sinceShare: settings.sinceShare)
        }
        defer {
            _ = ask(pools) { $0.closeAll() }
            _ = ask([publisher]) { $0.close() }
        }
        _ = ask([publisher]) { $0.open() }
        try waitForPublisher(publisher)
        _ = ask([publisher]) { $0.setRate(self.settings.publishRate) }

        line(SoakSample.header)
        let started = MonotonicClock.now()
        runStartedAt = started
        var soakStart: UInt64?
        var nextSample = started + interval
        var lastSampleAt = started
        var lastChange = started
        var lastUp = -1
        _ = ask(pools) { $0.open() }
        while !isStopping {
            let now = MonotonicClock.now()
            let states = ask(pools) { $0.takeProgress() }
            if let denied = states.lazy.compactMap(\.denied).first {
                throw BenchError("the server denied the subscription to \(settings.channel): \(denied)")
            }
            if let fatal = states.lazy.compactMap(\.fatal).first {
                throw BenchError("the soak's connections cannot open: \(fatal.description)\(fatal.hint.map { "; " + $0 } ?? "")")
            }
            let up = states.reduce(0) { $0 + $1.subscribed }
            absorb(states, into: &outcome)
            if soakStart == nil {
                if up != lastUp { lastUp = up; lastChange = now }
                if up >= settings.connections {
                    soakStart = now
                    outcome.soakStartedAt = Double(now - started) / 1e9
                    _ = ask(pools) { $0.startChurn() }
                    outcome.samples.append(sample(&outcome, phase: "open", at: now, since: lastSampleAt, up: up))
                    line(outcome.samples.last!.line)
                    lastSampleAt = now
                    nextSample = now + interval
                } else if now - lastChange > 60_000_000_000 {
                    throw BenchError("opening the soak's connections stalled at \(up)/\(settings.connections) for 60 s")
                }
            } else if let soakStart, now - soakStart >= UInt64(settings.duration * 1e9) {
                break
            }
            if now >= nextSample {
                outcome.samples.append(sample(&outcome, phase: soakStart == nil ? "open" : "soak", at: now, since: lastSampleAt, up: up))
                line(outcome.samples.last!.line)
                lastSampleAt = now
                nextSample += interval
            }
            MonotonicClock.sleep(milliseconds: 100)
        }
        let soakEnd = MonotonicClock.now()
        outcome.soakSeconds = soakStart.map { Double(soakEnd - $0) / 1e9 } ?? 0
        if isStopping { outcome.notes.append("interrupted: the figures cover the part that ran") }

        // Everyone leaves: the publisher stops, every subscriber closes with a handshake.
        _ = ask([publisher]) { $0.setRate(nil) }
        _ = ask(pools) { $0.drain() }
        let drainDeadline = MonotonicClock.now() + 30_000_000_000
        while ask(pools, { $0.takeProgress().live }).reduce(0, +) > 0 && MonotonicClock.now() < drainDeadline {
            MonotonicClock.sleep(milliseconds: 100)
        }
        absorb(ask(pools) { $0.takeProgress() }, into: &outcome)
        _ = ask(pools) { $0.closeAll() }
        _ = ask([publisher]) { $0.close() }

        // The server closes its side after each close handshake; give it time before counting.
        let settleDeadline = MonotonicClock.now() + UInt64(settings.settleSeconds * 1e9)
        var fds = probe.openDescriptors() ?? 0
        while fds > outcome.fdsBefore + settings.fdTolerance && MonotonicClock.now() < settleDeadline {
            MonotonicClock.sleep(milliseconds: 250)
            fds = probe.openDescriptors() ?? fds
        }
        outcome.fdsAfter = fds
        outcome.rssAfter = probe.residentBytes()
        let after = sample(&outcome, phase: "after", at: MonotonicClock.now(), since: lastSampleAt, up: 0)
        outcome.samples.append(after)
        line(after.line)
        if let publishedBefore, let publishedAfter = probe.metrics().flatMap({ MetricsText.value(of: "streamd_published_total", in: $0) }) {
            outcome.published = UInt64(max(0, publishedAfter - publishedBefore))
        }
        if !probe.isAlive() { outcome.notes.append("the server process \(probe.pid) is gone") }

        let rss = outcome.samples.filter { $0.phase == "soak" }.compactMap { sample in
            sample.residentBytes.map { SoakVerdict.RSSPoint(seconds: sample.seconds - outcome.soakStartedAt, bytes: $0) }
        }
        var verdict = SoakVerdict(rss: rss, fdsBefore: outcome.fdsBefore, fdsAfter: outcome.fdsAfter, thresholds: settings.thresholds)
        if !probe.isAlive() { verdict.failures.append("the server process \(probe.pid) exited during the soak") }
        outcome.verdict = verdict
        return outcome
    }

    /// The pools' running totals replace the outcome's; deliveries (counted
    /// per look) add up, and wait in `pendingDelivered` for the next sample's rate.
    private func absorb(_ states: [SoakProgress], into outcome: inout Outcome) {
        var totals = SoakCounters()
        for state in states { totals.merge(state.counters) }
        pendingDelivered += totals.delivered
        totals.delivered += outcome.counters.delivered
        outcome.counters = totals
    }

    private var interval: UInt64 { UInt64(settings.sampleInterval * 1e9) }
    private var pendingDelivered: UInt64 = 0
    private var runStartedAt: UInt64 = 0

    private func sample(_ outcome: inout Outcome, phase: String, at now: UInt64, since previous: UInt64, up: Int) -> SoakSample {
        let fds = probe.openDescriptors()
        let rss = probe.residentBytes()
        let metrics = probe.metrics()
        func gauge(_ name: String) -> Double? { metrics.flatMap { MetricsText.value(of: name, in: $0) } }
        let seconds = max(0.001, Double(now - previous) / 1e9)
        let delivered = Double(pendingDelivered) / seconds
        pendingDelivered = 0
        if let fds { outcome.fdsPeak = max(outcome.fdsPeak, fds) }
        if let rss { outcome.rssPeak = max(outcome.rssPeak, rss) }
        return SoakSample(phase: phase, seconds: Double(now - runStartedAt) / 1e9, residentBytes: rss, openDescriptors: fds,
                          connections: gauge("streamd_connections"), sessions: gauge("streamd_sessions"),
                          slowConsumerCloses: gauge("streamd_slow_consumer_closes_total"), conflated: gauge("streamd_conflated_total"),
                          subscribed: up, churned: outcome.counters.churned, resumed: outcome.counters.resumed,
                          deliveredPerSecond: delivered, gaps: outcome.counters.gaps,
                          failures: outcome.counters.failures.values.reduce(0, +))
    }

    private func waitForPublisher(_ publisher: Publisher) throws {
        let deadline = MonotonicClock.now() + 30_000_000_000
        while MonotonicClock.now() < deadline {
            let state = ask([publisher]) { $0.state() }[0]
            if state.open { return }
            if let failure = state.fatal { throw BenchError("the publisher cannot connect: \(failure.description)") }
            MonotonicClock.sleep(milliseconds: 20)
        }
        throw BenchError("the publisher connection did not open within 30 s")
    }

}

extension SoakPool: LoopConfined {}
