import Base
import Dispatch
import Metrics
import NetCore
import StreamClient
import Synchronization
import TLS

/// Runs one scenario: one event loop per thread drives the connections; the
/// calling thread paces the phases, prints progress and reads the server's
/// CPU and memory at the edges of each measured window.
public final class BenchRunner: @unchecked Sendable {
    let settings: BenchSettings
    let target: BenchTarget
    let probe: ServerProbe
    let progress: (@Sendable (String) -> Void)?
    let context: TLSContext
    let group: EventLoopGroup
    private let stopRequested = Atomic<Bool>(false)
    private let startedAt = MonotonicClock.now()
    var notes: [String] = []
    var endpoint: StreamEndpoint { target.endpoint }

    /// `progress` receives a status line about once a second (nil: silent).
    public init(settings: BenchSettings, target: BenchTarget, probe: ServerProbe,
                progress: (@Sendable (String) -> Void)? = nil) throws {
        self.settings = settings
        self.target = target
        self.probe = probe
        self.progress = progress
        do {
            context = try TLSContext(client: TLSClientConfiguration(caPath: target.caPath))
        } catch {
            throw BenchError("cannot set up TLS: \(error)")
        }
        do {
            group = try EventLoopGroup(loopCount: settings.threads)
        } catch {
            throw BenchError("cannot create the event loops: \(error)")
        }
    }

    /// Ends the current phase early (SIGINT); the run reports what it has.
    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }

    var isStopping: Bool { stopRequested.load(ordering: .relaxed) }

    public func run() throws -> BenchResult {
        group.start(name: "bench")
        defer { group.stopAndJoin() }
        var result: BenchResult
        switch settings.scenario {
        case .fanout: result = try runFanout(ladder: false)
        case .ladder: result = try runFanout(ladder: true)
        case .handshakes: result = try runHandshakes()
        case .idle: result = try runIdle()
        }
        if isStopping { notes.append("interrupted: the figures cover the part that ran") }
        result.notes = notes
        result.table = BenchReport.table(result, settings: settings)
        return result
    }

    // MARK: Loops

    /// `total` split over the loops, the first ones taking the remainder.
    func shares(of total: Int) -> [Int] {
        let loops = group.loops.count
        return (0..<loops).map { total / loops + ($0 < total % loops ? 1 : 0) }
    }

    // MARK: Time and progress

    var elapsedSeconds: Int { Int((MonotonicClock.now() - startedAt) / 1_000_000_000) }

    /// Waits `seconds`, calling `status` once a second for the progress line.
    func pace(_ seconds: Double, _ status: () -> String) {
        let end = MonotonicClock.now() + UInt64(seconds * 1e9)
        while !isStopping {
            let now = MonotonicClock.now()
            guard now < end else { return }
            MonotonicClock.sleep(milliseconds: Int(min(1000, (end - now) / 1_000_000 + 1)))
            if let progress { progress(status()) }
        }
    }

    func sampleServer() -> ServerSample? {
        do {
            return try probe.sample()
        } catch {
            let note = "server CPU and memory not measured: \(error)"
            if !notes.contains(note) { notes.append(note) }
            return nil
        }
    }

    // MARK: Opening subscribers

    /// How `loop`'s subscriber or handshake connections are made.
    func dialer(on loop: EventLoop) -> Dialer {
        Dialer(loop: loop, endpoint: target.endpoint, context: context, token: target.token, offerCompression: settings.compression)
    }

    func makePools(_ total: Int) -> [SubscriberPool] {
        let inFlight = shares(of: max(settings.openConcurrency, group.loops.count))
        return zip(group.loops, zip(shares(of: total), inFlight)).map { loop, share in
            SubscriberPool(dialer: dialer(on: loop), channel: settings.channel, target: share.0, inFlightLimit: share.1)
        }
    }

    /// Opens and subscribes every pool's connections; throws with the first refusal.
    func open(_ pools: [SubscriberPool], total: Int, label: String) throws {
        _ = ask(pools) { $0.open() }
        var lastUp = -1
        var lastChange = MonotonicClock.now()
        while true {
            let states = ask(pools) { $0.takeProgress() }
            let up = states.reduce(0) { $0 + $1.subscribed }
            if let denied = states.lazy.compactMap(\.denied).first {
                throw BenchError("the server denied the subscription to \(settings.channel): \(denied) (the token's roles must allow subscribing to it)")
            }
            if let failure = states.lazy.compactMap(\.fatal).first {
                throw BenchError(explain(failure, who: "subscriber"))
            }
            if up >= total || isStopping { return }
            let now = MonotonicClock.now()
            if up != lastUp {
                lastUp = up
                lastChange = now
            } else if now - lastChange > 30_000_000_000 {
                throw BenchError("opening \(label) stalled at \(up)/\(total) for 30 s")
            }
            progress?(ProgressLine.format(scenario: settings.scenario.rawValue, elapsedSeconds: elapsedSeconds, phase: "opening",
                                          up: up, target: total, perSecond: 0, perSecondLabel: "delivered/s", p99Nanoseconds: nil))
            MonotonicClock.sleep(milliseconds: up == 0 ? 100 : 500)
        }
    }

    func explain(_ failure: BenchConnectionError, who: String) -> String {
        var text: String
        if case .refused = failure {
            text = "the server refused the \(who) token: \(failure.description)"
        } else if case .connect = failure {
            text = "a \(who) connection to \(endpoint.authority) failed: \(failure.description)"
        } else {
            text = "a \(who) connection failed: \(failure.description)"
        }
        if let hint = failure.hint { text += "; \(hint)" }
        return text
    }
}

/// A worker that lives on one loop and is reached through `loop.execute`.
protocol LoopConfined: AnyObject, Sendable {
    var loop: EventLoop { get }
}

/// Runs `body` on each worker's loop and waits for all the answers.
func ask<W: LoopConfined, T: Sendable>(_ workers: [W], _ body: @escaping @Sendable (W) -> T) -> [T] {
    let answers = Answers<T>(count: workers.count)
    let done = DispatchGroup()
    for (index, worker) in workers.enumerated() {
        done.enter()
        worker.loop.execute {
            answers.set(index, body(worker))
            done.leave()
        }
    }
    done.wait()
    return answers.values()
}

extension SubscriberPool: LoopConfined {}
extension Publisher: LoopConfined {}
extension HandshakePool: LoopConfined {}

/// Answers collected from several loops.
final class Answers<T: Sendable>: Sendable {
    private let slots: Lock<[T?]>
    init(count: Int) { slots = Lock([T?](repeating: nil, count: count)) }
    func set(_ index: Int, _ value: T) { slots.withLock { $0[index] = value } }
    func values() -> [T] { slots.withLock { $0.map { $0! } } }
}
