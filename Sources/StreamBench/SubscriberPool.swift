import NetCore
import StreamClient
import TLS

/// One loop's share of the subscribers: opens them (a bounded number at a
/// time), subscribes each to the bench channel, and counts what arrives.
/// Confined to its loop; the runner reaches it only through `loop.execute`.
final class SubscriberPool: BenchConnectionDelegate, @unchecked Sendable {
    private let dialer: Dialer
    var loop: EventLoop { dialer.loop }
    private let channel: String
    private let target: Int
    private let inFlightLimit: Int
    private let timeoutSeconds: Double

    private var live: [ObjectIdentifier: BenchConnection] = [:]
    private var started = 0
    private var opened = 0
    private var subscribed = 0
    /// Subscribed connections that agreed on permessage-deflate.
    private var compressed = 0
    private var failedToOpen = 0
    private var fatal: BenchConnectionError?
    private var deniedMessage: String?
    private var disconnects: [String: Int] = [:]

    private var window: (start: Int64, end: Int64)?
    private var stats = WindowStats()
    private var progress = ProgressCounters()

    init(dialer: Dialer, channel: String, target: Int, inFlightLimit: Int, timeoutSeconds: Double = 30) {
        self.dialer = dialer
        self.channel = channel
        self.target = target
        self.inFlightLimit = max(1, inFlightLimit)
        self.timeoutSeconds = timeoutSeconds
    }

    // MARK: Commands from the runner (on the loop)

    func open() { startMore() }

    func setWindow(start: Int64, end: Int64) { window = (start, end) }

    /// The window's figures; resets them for the next window.
    func takeWindow() -> WindowStats {
        var taken = stats
        taken.subscribed = subscribed
        taken.compressed = compressed
        taken.disconnects = disconnects
        stats = WindowStats()
        return taken
    }

    func takeProgress() -> PoolProgress {
        let taken = PoolProgress(target: target, opened: opened, subscribed: subscribed, compressed: compressed, fatal: fatal, denied: deniedMessage,
                                 delivered: progress.delivered, histogram: progress.histogram,
                                 disconnected: disconnects.values.reduce(0, +))
        progress = ProgressCounters()
        return taken
    }

    func closeAll() {
        for connection in live.values { connection.abort() }
        live.removeAll()
    }

    // MARK: Opening

    private func startMore() {
        while fatal == nil, started < target, started - opened - failedToOpen < inFlightLimit {
            started += 1
            do {
                let connection = try dialer.connection(delegate: self)
                live[ObjectIdentifier(connection)] = connection
                connection.start(timeoutSeconds: timeoutSeconds)
            } catch {
                failedToOpen += 1
                fatal = .tls("cannot create a TLS connection: \(error)")
            }
        }
    }

    func connectionOpened(_ connection: BenchConnection) {
        opened += 1
        connection.sendText(#"{"type":"subscribe","id":1,"channels":["\#(channel)"]}"#)
        startMore()
    }

    func connection(_ connection: BenchConnection, received text: [UInt8], at now: Int64) {
        let scan = MessageScan(text)
        switch scan.kind {
        case .stream:
            if let seq = scan.seq {
                if connection.lastSeq > 0 && seq > connection.lastSeq + 1 { stats.gaps += UInt64(seq - connection.lastSeq - 1) }
                if seq > connection.lastSeq { connection.lastSeq = seq } else { stats.outOfOrder += 1 }
            }
            guard let sent = scan.sentNanoseconds else { return }
            if let window, now >= window.start, now < window.end {
                stats.receivedMessages += 1
                stats.receivedPayloadBytes += UInt64(text.count)
            }
            let latency = UInt64(max(0, now - sent))
            progress.delivered += 1
            progress.histogram.record(latency)
            if let window, sent >= window.start, sent < window.end {
                stats.delivered += 1
                stats.histogram.record(latency)
            }
        case .subscribed:
            if MessageScan.deniesSomething(text) {
                deniedMessage = String(decoding: text, as: UTF8.self)
                return
            }
            connection.welcomed = true
            subscribed += 1
            if connection.isCompressed { compressed += 1 }
        case .error:
            stats.errors += 1
        case .welcome, .ack, .other:
            break
        }
    }

    /// Bytes count by when they arrived (a message's send time is inside
    /// the frame, which a read may split), like `receivedMessages`.
    func connection(_ connection: BenchConnection, read ciphertextBytes: Int, plaintext plaintextBytes: Int, at now: Int64) {
        guard let window, now >= window.start, now < window.end else { return }
        stats.ciphertextBytes += UInt64(ciphertextBytes)
        stats.plaintextBytes += UInt64(plaintextBytes)
    }

    func connectionEnded(_ connection: BenchConnection, _ end: BenchConnection.End) {
        live[ObjectIdentifier(connection)] = nil
        guard case .failed(let failure) = end else { return }
        if connection.welcomed {
            subscribed -= 1
            if connection.isCompressed { compressed -= 1 }
            disconnects[failure.reason, default: 0] += 1
        } else {
            // Not subscribed yet: the run cannot go on without its subscribers.
            failedToOpen += 1
            if fatal == nil { fatal = failure }
        }
    }
}

/// What one loop measured during a window.
struct WindowStats: Sendable {
    var delivered: UInt64 = 0
    var gaps: UInt64 = 0
    var outOfOrder: UInt64 = 0
    var errors: UInt64 = 0
    var histogram = LatencyHistogram()
    var subscribed = 0
    var compressed = 0
    var disconnects: [String: Int] = [:]
    /// Received inside the window (by arrival time, unlike `delivered`,
    /// which goes by send time): stream messages, their inflated text, and
    /// the bytes that carried them.
    var receivedMessages: UInt64 = 0
    var receivedPayloadBytes: UInt64 = 0
    var plaintextBytes: UInt64 = 0
    var ciphertextBytes: UInt64 = 0

    mutating func merge(_ other: WindowStats) {
        delivered += other.delivered
        gaps += other.gaps
        outOfOrder += other.outOfOrder
        errors += other.errors
        histogram.merge(other.histogram)
        subscribed += other.subscribed
        compressed += other.compressed
        receivedMessages += other.receivedMessages
        receivedPayloadBytes += other.receivedPayloadBytes
        plaintextBytes += other.plaintextBytes
        ciphertextBytes += other.ciphertextBytes
        disconnects.merge(other.disconnects, uniquingKeysWith: +)
    }
}

struct ProgressCounters {
    var delivered: UInt64 = 0
    var histogram = LatencyHistogram()
}

/// One loop's state for the progress line and the runner's checks.
struct PoolProgress: Sendable {
    var target: Int
    var opened: Int
    var subscribed: Int
    var compressed: Int
    var fatal: BenchConnectionError?
    var denied: String?
    var delivered: UInt64
    var histogram: LatencyHistogram
    var disconnected: Int
}
