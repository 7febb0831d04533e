import NetCore
import StreamClient
import TLS

/// The one publishing connection: sends `publish` operations on an open-loop
/// schedule (`PacingSchedule`) with the send time in `data.t_ns` (padded
/// to `payloadBytes` when given, see `BenchPayload`), and counts the acks.
/// Confined to its loop.
final class Publisher: BenchConnectionDelegate, @unchecked Sendable {
    let loop: EventLoop
    private let scratch = LoopScratch()
    private let channel: String
    private let payloadBytes: Int?
    private var connection: BenchConnection?
    private var isOpen = false
    private var fatal: BenchConnectionError?
    private var refusal: String?

    private var schedule: PacingSchedule?
    private var sentOnSchedule = 0
    private var timer: TimerID?
    private var nextID: Int64 = 1

    private var window: (start: Int64, end: Int64)?
    private var stats = PublisherStats()

    init(loop: EventLoop, endpoint: StreamEndpoint, context: TLSContext, token: String, channel: String,
         payloadBytes: Int? = nil, offerCompression: Bool = false) throws {
        self.loop = loop
        self.channel = channel
        self.payloadBytes = payloadBytes
        connection = try BenchConnection(loop: loop, scratch: scratch, endpoint: endpoint, context: context, token: token,
                                         offerCompression: offerCompression, delegate: self)
    }

    func open() { connection?.start(timeoutSeconds: 30) }

    func state() -> (open: Bool, fatal: BenchConnectionError?, refusal: String?) { (isOpen, fatal, refusal) }

    /// Publishes at `rate` from now on (nil stops).
    func setRate(_ rate: Double?) {
        if let timer { loop.cancel(timer) }
        timer = nil
        sentOnSchedule = 0
        schedule = rate.map { PacingSchedule(rate: $0, start: MonotonicClock.now()) }
        tick()
    }

    func setWindow(start: Int64, end: Int64) {
        window = (start, end)
        stats = PublisherStats()
    }

    func takeWindow() -> PublisherStats { stats }

    func close() {
        setRate(nil)
        connection?.abort()
        connection = nil
    }

    private func tick() {
        timer = nil
        guard let schedule, isOpen, let connection else { return }
        let now = MonotonicClock.now()
        // Up to a tenth of a second's worth at once: a stall is caught up, not dumped in one burst.
        let burst = max(1, Int(schedule.rate / 10))
        let count = PacingSchedule.batch(due: schedule.dueCount(at: now), sent: sentOnSchedule, maxBurst: burst)
        for _ in 0..<count {
            let id = nextID
            nextID += 1
            let sent = WallTime.nanoseconds()
            let data = BenchPayload.data(id: id, sentNanoseconds: sent, targetBytes: payloadBytes)
            connection.sendText(#"{"type":"publish","id":\#(id),"channel":"\#(channel)","event":"tick","data":\#(data)}"#)
            if let window, sent >= window.start, sent < window.end {
                stats.offered += 1
                if stats.firstID == 0 { stats.firstID = id }
                stats.lastID = id
            }
        }
        sentOnSchedule += count
        let next = schedule.dueTime(of: sentOnSchedule)
        let wait = next > now ? next - now : 0
        timer = loop.schedule(afterNanoseconds: wait) { [weak self] in self?.tick() }
    }

    func connectionOpened(_ connection: BenchConnection) {}

    func connection(_ connection: BenchConnection, received text: [UInt8], at now: Int64) {
        let scan = MessageScan(text)
        switch scan.kind {
        case .welcome:
            isOpen = true
            tick()
        case .ack:
            if let id = scan.id, stats.firstID != 0, id >= stats.firstID, id <= stats.lastID { stats.acked += 1 }
        case .error:
            let body = String(decoding: text, as: UTF8.self)
            let code = UpgradeAnswer.stringField("code", in: body) ?? "error"
            stats.errors[code, default: 0] += 1
            // A refusal that no retry can fix ends the run with the server's words.
            if code == "forbidden" || code == "bad_request", refusal == nil { refusal = UpgradeAnswer.stringField("message", in: body) ?? body }
        case .stream, .subscribed, .other:
            break
        }
    }

    func connectionEnded(_ connection: BenchConnection, _ end: BenchConnection.End) {
        isOpen = false
        if case .failed(let failure) = end, fatal == nil { fatal = failure }
        if let timer { loop.cancel(timer) }
        timer = nil
    }
}

struct PublisherStats: Sendable {
    var offered: UInt64 = 0
    var acked: UInt64 = 0
    var firstID: Int64 = 0
    var lastID: Int64 = 0
    var errors: [String: Int] = [:]
}
