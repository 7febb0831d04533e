import NetCore
import StreamClient
import TLS

/// One loop's handshake workers: each connects, completes a full TLS
/// handshake, upgrades, waits for `welcome`, closes, and starts over until
/// the deadline. Confined to its loop.
final class HandshakePool: BenchConnectionDelegate, @unchecked Sendable {
    private let dialer: Dialer
    var loop: EventLoop { dialer.loop }
    private let workers: Int
    private var running = false
    private var live: [ObjectIdentifier: BenchConnection] = [:]
    private var stats = HandshakeStats()
    private var progressCount: UInt64 = 0
    private var progressHistogram = LatencyHistogram()

    init(dialer: Dialer, workers: Int) {
        self.dialer = dialer
        self.workers = workers
    }

    func start() {
        running = true
        for _ in 0..<workers { launch() }
    }

    /// Stops starting new handshakes; those under way finish.
    func stop() { running = false }

    var liveCount: Int { live.count }

    func takeStats() -> HandshakeStats { stats }

    func takeProgress() -> (count: UInt64, histogram: LatencyHistogram, fatal: BenchConnectionError?) {
        defer {
            progressCount = 0
            progressHistogram = LatencyHistogram()
        }
        return (progressCount, progressHistogram, stats.fatal)
    }

    func closeAll() {
        running = false
        for connection in live.values { connection.abort() }
        live.removeAll()
    }

    private func launch() {
        guard running, stats.fatal == nil else { return }
        do {
            let connection = try dialer.connection(delegate: self)
            live[ObjectIdentifier(connection)] = connection
            connection.start(timeoutSeconds: 10)
        } catch {
            stats.fatal = .tls("cannot create a TLS connection: \(error)")
        }
    }

    func connectionOpened(_ connection: BenchConnection) {}

    func connection(_ connection: BenchConnection, received text: [UInt8], at now: Int64) {
        guard !connection.welcomed else { return }
        guard MessageScan.kind(text) == .welcome else {
            connection.abort()
            live[ObjectIdentifier(connection)] = nil
            stats.failures["no welcome", default: 0] += 1
            launch()
            return
        }
        connection.welcomed = true
        let elapsed = MonotonicClock.now() - connection.startedAt
        stats.completed += 1
        if connection.isCompressed { stats.compressed += 1 }
        stats.histogram.record(elapsed)
        progressCount += 1
        progressHistogram.record(elapsed)
        connection.close()
    }

    func connectionEnded(_ connection: BenchConnection, _ end: BenchConnection.End) {
        live[ObjectIdentifier(connection)] = nil
        if case .failed(let failure) = end, !connection.welcomed {
            stats.failures[failure.reason, default: 0] += 1
            // A token the server refuses makes every later attempt fail the same way.
            if case .refused(let answer) = failure, answer.status == 401 || answer.status == 403 { stats.fatal = failure }
            // Pause a moment so a refusing server is not hammered in a tight loop.
            loop.schedule(afterNanoseconds: 10_000_000) { [weak self] in self?.launch() }
            return
        }
        launch()
    }
}

struct HandshakeStats: Sendable {
    var completed: UInt64 = 0
    /// Completed handshakes that agreed on permessage-deflate.
    var compressed: UInt64 = 0
    var histogram = LatencyHistogram()
    var failures: [String: Int] = [:]
    var fatal: BenchConnectionError?

    mutating func merge(_ other: HandshakeStats) {
        completed += other.completed
        compressed += other.compressed
        histogram.merge(other.histogram)
        failures.merge(other.failures, uniquingKeysWith: +)
        if fatal == nil { fatal = other.fatal }
    }
}
