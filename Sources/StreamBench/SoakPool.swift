import NetCore
import StreamClient
import TLS

/// One loop's share of the soak's subscribers: keeps `target` connections
/// subscribed, closes some every tenth of a second (the churn) and opens
/// each one again, a share of them resuming with `since` from the last seq
/// they saw. Confined to its loop; the runner reaches it through `loop.execute`.
final class SoakPool: BenchConnectionDelegate, @unchecked Sendable {
    private let dialer: Dialer
    var loop: EventLoop { dialer.loop }
    private let channel: String
    private let target: Int
    private let inFlightLimit: Int
    private let churnPerSecond: Double
    private let sinceShare: Double

    /// Where a reopened connection resumes (seq 0: a fresh subscription).
    struct Position { var seq: Int64 = 0; var epoch: String? }

    private var live: [ObjectIdentifier: BenchConnection] = [:]
    /// Subscribed connections, for picking the next to churn.
    private var subscribed: [ObjectIdentifier: BenchConnection] = [:]
    private var epochs: [ObjectIdentifier: String] = [:]
    private var churning: Set<ObjectIdentifier> = []
    /// Connections still to open, with the position each resumes from.
    private var owed: [Position] = []
    private var connecting = 0
    private var running = false
    private var churnBudget = 0.0
    private var lastChurnAt: UInt64 = 0
    private var churnTimer: TimerID?
    private var fatal: BenchConnectionError?
    private var denied: String?
    private var counters = SoakCounters()

    init(dialer: Dialer, channel: String, target: Int, inFlightLimit: Int, churnPerSecond: Double, sinceShare: Double) {
        self.dialer = dialer
        self.channel = channel
        self.target = target
        self.inFlightLimit = max(1, inFlightLimit)
        self.churnPerSecond = churnPerSecond
        self.sinceShare = sinceShare
    }

    // MARK: Commands from the runner (on the loop)

    func open() {
        running = true
        owed = Array(repeating: Position(), count: target)
        startMore()
    }

    func startChurn() {
        guard churnPerSecond > 0 else { return }
        lastChurnAt = MonotonicClock.now()
        churnTimer = loop.schedule(afterNanoseconds: 100_000_000) { [weak self] in self?.churn() }
    }

    /// Stops churning and reopening; closes every connection with a close handshake.
    func drain() {
        running = false
        owed.removeAll()
        if let churnTimer { loop.cancel(churnTimer) }
        churnTimer = nil
        for connection in live.values {
            if connection.phase == .open { connection.close(timeoutSeconds: 5) } else { connection.abort() }
        }
        // Aborted ones report nothing: forget them now.
        for (id, connection) in live where connection.phase == .closed { forget(id) }
    }

    func closeAll() {
        for connection in live.values { connection.abort() }
        live.removeAll()
        subscribed.removeAll()
    }

    func takeProgress() -> SoakProgress {
        let taken = SoakProgress(subscribed: subscribed.count, live: live.count, fatal: fatal, denied: denied, counters: counters)
        counters.delivered = 0
        return taken
    }

    // MARK: Churn

    private func churn() {
        churnTimer = nil
        guard running else { return }
        // By the time that passed, not the ticks: a busy loop runs its timers late.
        let now = MonotonicClock.now()
        churnBudget += churnPerSecond * Double(now - lastChurnAt) / 1e9
        lastChurnAt = now
        // Churn waits while reopening lags (a loop short of CPU): closing
        // faster than the server and the bench can handshake would only
        // shrink the pool. The summary reports the rate reached.
        let room = max(0, inFlightLimit - connecting - owed.count)
        var due = min(Int(churnBudget), room)
        churnBudget = min(churnBudget - Double(due), max(1, churnPerSecond))
        for (id, connection) in subscribed where due > 0 && !churning.contains(id) {
            churning.insert(id)
            connection.close(timeoutSeconds: 5)
            due -= 1
        }
        churnTimer = loop.schedule(afterNanoseconds: 100_000_000) { [weak self] in self?.churn() }
    }

    // MARK: Opening

    private func startMore() {
        while running, fatal == nil, connecting < inFlightLimit, let position = owed.popLast() {
            do {
                let connection = try dialer.connection(delegate: self)
                connection.lastSeq = position.seq
                let id = ObjectIdentifier(connection)
                live[id] = connection
                if let epoch = position.epoch { epochs[id] = epoch }
                connecting += 1
                connection.start(timeoutSeconds: 30)
            } catch {
                fatal = .tls("cannot create a TLS connection: \(error)")
            }
        }
    }

    func connectionOpened(_ connection: BenchConnection) {
        counters.opened += 1
        var since = ""
        if connection.lastSeq > 0, let epoch = epochs[ObjectIdentifier(connection)] {
            since = #","since":{"\#(channel)":{"seq":\#(connection.lastSeq),"epoch":"\#(epoch)"}}"#
            counters.resumed += 1
        }
        connection.sendText(#"{"type":"subscribe","id":1,"channels":["\#(channel)"]\#(since)}"#)
    }

    func connection(_ connection: BenchConnection, received text: [UInt8], at now: Int64) {
        let scan = MessageScan(text)
        switch scan.kind {
        case .stream:
            counters.delivered += 1
            let id = ObjectIdentifier(connection)
            if epochs[id] == nil { epochs[id] = Self.epoch(in: text) }
            guard let seq = scan.seq else { return }
            if connection.lastSeq > 0 && seq > connection.lastSeq + 1 { counters.gaps += UInt64(seq - connection.lastSeq - 1) }
            if seq > connection.lastSeq { connection.lastSeq = seq } else { counters.duplicates += 1 }
        case .subscribed:
            if MessageScan.deniesSomething(text) {
                denied = String(decoding: text, as: UTF8.self)
                return
            }
            connection.welcomed = true
            connecting -= 1
            subscribed[ObjectIdentifier(connection)] = connection
            startMore()
        case .error:
            counters.errors += 1
        case .welcome, .ack, .other:
            break
        }
    }

    func connectionEnded(_ connection: BenchConnection, _ end: BenchConnection.End) {
        let id = ObjectIdentifier(connection)
        let wasChurned = churning.contains(id)
        if !connection.welcomed { connecting -= 1 }
        let position = Position(seq: connection.lastSeq, epoch: epochs[id])
        forget(id)
        if case .failed(let failure) = end, !(wasChurned && Self.isOrdinaryEnd(failure)) {
            counters.failures[failure.reason, default: 0] += 1
            if !connection.welcomed && fatal == nil && counters.opened == 0 { fatal = failure }
        }
        guard running else { return }
        if wasChurned { counters.churned += 1 }
        counters.reopened += 1
        let resume = position.seq > 0 && position.epoch != nil && Double.random(in: 0..<1) < sinceShare
        owed.append(resume ? position : Position())
        startMore()
    }

    private func forget(_ id: ObjectIdentifier) {
        live[id] = nil
        subscribed[id] = nil
        epochs[id] = nil
        churning.remove(id)
    }

    /// The server answering our close with its own and closing TCP is how a churned connection should end.
    private static func isOrdinaryEnd(_ failure: BenchConnectionError) -> Bool {
        if case .closedByServer(let code) = failure { return code == nil || code == 1000 }
        return false
    }

    private static let epochKey = Array(#""epoch":""#.utf8)

    /// The stream message's epoch (12 characters after `"epoch":"`).
    static func epoch(in bytes: [UInt8]) -> String? {
        guard let start = MessageScan.find(epochKey, in: bytes) else { return nil }
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += 1 }
        return end > start && end - start <= 64 ? String(decoding: bytes[start..<end], as: UTF8.self) : nil
    }
}

/// Running totals of one pool (`delivered` since the last look).
struct SoakCounters: Sendable {
    var opened: UInt64 = 0
    var reopened: UInt64 = 0
    var churned: UInt64 = 0
    var resumed: UInt64 = 0
    var delivered: UInt64 = 0
    var gaps: UInt64 = 0
    var duplicates: UInt64 = 0
    var errors: UInt64 = 0
    var failures: [String: Int] = [:]

    mutating func merge(_ other: SoakCounters) {
        opened += other.opened
        reopened += other.reopened
        churned += other.churned
        resumed += other.resumed
        delivered += other.delivered
        gaps += other.gaps
        duplicates += other.duplicates
        errors += other.errors
        failures.merge(other.failures, uniquingKeysWith: +)
    }
}

struct SoakProgress: Sendable {
    var subscribed: Int
    var live: Int
    var fatal: BenchConnectionError?
    var denied: String?
    var counters: SoakCounters
}
