import Metrics
import NetCore

extension BenchRunner {
    // MARK: fanout and ladder

    func runFanout(ladder: Bool) throws -> BenchResult {
        var result = BenchResult(scenario: ladder ? .ladder : .fanout)
        let pools = makePools(settings.subscribers)
        defer { _ = ask(pools) { $0.closeAll() } }
        try open(pools, total: settings.subscribers, label: "subscribers")
        let publisher: Publisher
        do {
            publisher = try Publisher(loop: group.loops[0], endpoint: target.endpoint, context: context,
                                      token: target.publisherToken, channel: settings.channel,
                                      payloadBytes: settings.payloadBytes, offerCompression: settings.compression)
        } catch {
            throw BenchError("cannot set up the publisher: \(error)")
        }
        defer { _ = ask([publisher]) { $0.close() } }
        _ = ask([publisher]) { $0.open() }
        try waitForPublisher(publisher)

        for rate in ladder ? settings.ladderRates : [settings.rate] {
            guard !isStopping else { break }
            _ = ask([publisher]) { $0.setRate(rate) }
            pace(settings.warmup) { fanoutStatus(pools, phase: "warm-up @\(Int(rate))/s") }
            // The window opens a little in the future, so every loop knows it
            // before the first message stamped inside it is sent.
            let start = WallTime.nanoseconds() + 50_000_000
            let end = start + Int64(settings.duration * 1e9)
            _ = ask([publisher]) { $0.setWindow(start: start, end: end) }
            _ = ask(pools) { pool in
                pool.setWindow(start: start, end: end)
                _ = pool.takeWindow()
            }
            MonotonicClock.sleep(milliseconds: Int(max(0, start - WallTime.nanoseconds()) / 1_000_000))
            let server0 = sampleServer()
            let bench0 = ProcessStats.cpuSeconds()
            let t0 = MonotonicClock.now()
            pace(settings.duration) { fanoutStatus(pools, phase: "measuring @\(Int(rate))/s") }
            let t1 = MonotonicClock.now()
            let bench1 = ProcessStats.cpuSeconds()
            let server1 = sampleServer()
            if !ladder { _ = ask([publisher]) { $0.setRate(nil) } }
            // Messages stamped inside the window may still be on their way.
            pace(1) { fanoutStatus(pools, phase: "draining") }

            var window = WindowStats()
            for stats in ask(pools, { $0.takeWindow() }) { window.merge(stats) }
            let published = ask([publisher]) { $0.takeWindow() }[0]
            if let refusal = ask([publisher], { $0.state().refusal })[0] {
                throw BenchError("the server refused to publish to \(settings.channel): \(refusal)")
            }
            let seconds = isStopping ? Double(t1 - t0) / 1e9 : settings.duration
            var serverCPU: Double?
            var serverPercent: Double?
            if let server0, let server1 {
                serverCPU = server1.cpuSeconds - server0.cpuSeconds
                serverPercent = server1.cpuPercent(since: server0)
            }
            var step = FanoutStep(rate: rate, seconds: seconds, subscribers: window.subscribed, offered: published.offered,
                                  acked: published.acked, delivered: window.delivered, gaps: window.gaps,
                                  outOfOrder: window.outOfOrder, latency: window.histogram, disconnects: window.disconnects,
                                  publishErrors: published.errors, serverCPUSeconds: serverCPU, serverCPUPercent: serverPercent,
                                  benchCPUPercent: (bench1 - bench0) / (Double(t1 - t0) / 1e9) * 100)
            step.compressedSubscribers = window.compressed
            step.wire = WireBytes(messages: window.receivedMessages, payloadBytes: window.receivedPayloadBytes,
                                  frameBytes: window.plaintextBytes, tlsBytes: window.ciphertextBytes)
            result.steps.append(step)
            let sustained = step.isSustained(minimumRatio: settings.minimumDeliveryRatio, maximumP99Seconds: settings.maximumP99Seconds)
            if sustained { result.highestSustainedRate = rate }
            if ladder && !sustained { break }
        }
        return result
    }

    private func waitForPublisher(_ publisher: Publisher) throws {
        let deadline = MonotonicClock.now() + 30_000_000_000
        while MonotonicClock.now() < deadline {
            let state = ask([publisher]) { $0.state() }[0]
            if state.open { return }
            if let failure = state.fatal { throw BenchError(explain(failure, who: "publisher")) }
            MonotonicClock.sleep(milliseconds: 20)
        }
        throw BenchError("the publisher connection did not open within 30 s")
    }

    private func fanoutStatus(_ pools: [SubscriberPool], phase: String) -> String {
        let states = ask(pools) { $0.takeProgress() }
        var histogram = LatencyHistogram()
        for state in states { histogram.merge(state.histogram) }
        return ProgressLine.format(scenario: settings.scenario.rawValue, elapsedSeconds: elapsedSeconds, phase: phase,
                                   up: states.reduce(0) { $0 + $1.subscribed }, target: settings.subscribers,
                                   perSecond: Double(states.reduce(0) { $0 + $1.delivered }), perSecondLabel: "delivered/s",
                                   p99Nanoseconds: histogram.value(atQuantile: 0.99))
    }

    // MARK: handshakes

    func runHandshakes() throws -> BenchResult {
        var result = BenchResult(scenario: .handshakes)
        let pools = zip(group.loops, shares(of: settings.concurrency)).map { loop, workers in
            HandshakePool(dialer: dialer(on: loop), workers: workers)
        }
        defer { _ = ask(pools) { $0.closeAll() } }
        let server0 = sampleServer()
        let bench0 = ProcessStats.cpuSeconds()
        let t0 = MonotonicClock.now()
        _ = ask(pools) { $0.start() }
        var fatal: BenchConnectionError?
        pace(settings.duration) {
            let states = ask(pools) { $0.takeProgress() }
            var histogram = LatencyHistogram()
            for state in states { histogram.merge(state.histogram) }
            fatal = fatal ?? states.lazy.compactMap(\.fatal).first
            if fatal != nil { requestStop() }
            return ProgressLine.format(scenario: "handshakes", elapsedSeconds: elapsedSeconds, phase: "running",
                                       up: settings.concurrency, target: settings.concurrency,
                                       perSecond: Double(states.reduce(0) { $0 + $1.count }), perSecondLabel: "handshakes/s",
                                       p99Nanoseconds: histogram.value(atQuantile: 0.99))
        }
        let t1 = MonotonicClock.now()
        _ = ask(pools) { $0.stop() }
        // Let the handshakes under way finish (and close), so the server's CPU covers them.
        let drainDeadline = MonotonicClock.now() + 5_000_000_000
        while ask(pools, { $0.liveCount }).reduce(0, +) > 0 && MonotonicClock.now() < drainDeadline {
            MonotonicClock.sleep(milliseconds: 20)
        }
        let bench1 = ProcessStats.cpuSeconds()
        let server1 = sampleServer()
        var stats = HandshakeStats()
        for pool in ask(pools, { $0.takeStats() }) { stats.merge(pool) }
        if let failure = fatal ?? stats.fatal { throw BenchError(explain(failure, who: "subscriber")) }
        let seconds = Double(t1 - t0) / 1e9
        var outcome = HandshakeOutcome(seconds: seconds, concurrency: settings.concurrency, completed: stats.completed,
                                       compressed: stats.compressed,
                                       latency: stats.histogram, failures: stats.failures,
                                       benchCPUPercent: (bench1 - bench0) / (Double(MonotonicClock.now() - t0) / 1e9) * 100)
        if let server0, let server1 {
            outcome.serverCPUSeconds = server1.cpuSeconds - server0.cpuSeconds
            outcome.serverCPUPercent = server1.cpuPercent(since: server0)
        }
        result.handshakes = outcome
        return result
    }

    // MARK: idle

    func runIdle() throws -> BenchResult {
        var result = BenchResult(scenario: .idle)
        let before = sampleServer()
        let benchBefore = ProcessStats.residentBytes()
        let pools = makePools(settings.connections)
        defer { _ = ask(pools) { $0.closeAll() } }
        try open(pools, total: settings.connections, label: "idle connections")
        let holdStart = sampleServer()
        pace(settings.duration) {
            let states = ask(pools) { $0.takeProgress() }
            return ProgressLine.format(scenario: "idle", elapsedSeconds: elapsedSeconds, phase: "holding",
                                       up: states.reduce(0) { $0 + $1.subscribed }, target: settings.connections,
                                       perSecond: 0, perSecondLabel: "delivered/s", p99Nanoseconds: nil)
        }
        let after = sampleServer()
        let benchAfter = ProcessStats.residentBytes()
        let states = ask(pools) { $0.takeProgress() }
        var outcome = IdleOutcome(connections: states.reduce(0) { $0 + $1.subscribed }, serverBefore: before, serverAfter: after,
                                  benchResidentBefore: benchBefore, benchResidentAfter: benchAfter,
                                  disconnects: states.reduce(0) { $0 + $1.disconnected },
                                  compressed: states.reduce(0) { $0 + $1.compressed })
        if let holdStart, let after { outcome.serverCPUPercentWhileIdle = after.cpuPercent(since: holdStart) }
        result.idle = outcome
        return result
    }
}
