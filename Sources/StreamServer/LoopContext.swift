import Broadcast
import NetCore

/// Per-loop state, touched only on its loop's thread: the loop's connections,
/// and scratch buffers shared by all of them (one per loop, not per connection,
/// which is what keeps an idle connection small).
final class LoopContext {
    let loop: EventLoop
    let state: ServerState
    private(set) var connections: [Connection] = []
    /// Which of this loop's sessions read which channels.
    var subscriptions = SubscriptionIndex<Connection>()
    /// Set by the server before the loops start.
    var broadcaster: Broadcaster!
    var metrics: ServerMetrics!
    /// This loop's permessage-deflate compressor (set with the metrics).
    var frameCompressor: FrameCompressor!
    private(set) lazy var writeLatency = WriteLatencyRecorder(shard: loop.index) { [weak self] in self?.metrics.publishToWriteSeconds }
    /// This loop's shard in sharded counters.
    var shard: Int { loop.index }
    /// Plaintext out of TLS for one read.
    let plaintextBuffer: UnsafeMutableRawBufferPointer
    /// Where one connection's queued frames are joined for a single SSL_write.
    var coalesceBuffer: [UInt8] = []
    private var sweepTimer: TimerID?
    private var nextSessionNumber: UInt64 = 0

    init(loop: EventLoop, state: ServerState) {
        self.loop = loop
        self.state = state
        plaintextBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit { plaintextBuffer.deallocate() }

    func add(_ connection: Connection) {
        connection.registryIndex = connections.count
        connections.append(connection)
    }

    func remove(_ connection: Connection) {
        let index = connection.registryIndex
        guard index >= 0, index < connections.count, connections[index] === connection else { return }
        let last = connections.removeLast()
        if index < connections.count {
            connections[index] = last
            last.registryIndex = index
        }
        connection.registryIndex = -1
        if connections.isEmpty { connections = [] }
    }

    /// Unique across loops and restarts: a random process prefix, the loop, a counter.
    func makeSessionID() -> String {
        nextSessionNumber += 1
        return "\(state.instanceID)-\(loop.index)-\(nextSessionNumber)"
    }

    /// One timer per loop walks its connections for handshake deadlines,
    /// heartbeats and close timeouts: no timer per connection. It runs four
    /// times per heartbeat interval, at most once a second.
    func startSweeping() {
        let period = min(1_000_000_000, max(50_000_000, state.heartbeatIntervalNS / 4))
        sweepTimer = loop.schedule(afterNanoseconds: period) { [weak self] in
            guard let self else { return }
            let now = MonotonicClock.now()
            // Iterate over a copy: a sweep may close (and so remove) connections.
            for connection in self.connections { connection.sweep(now: now) }
            self.startSweeping()
        }
    }

    func stopSweeping() {
        if let sweepTimer { loop.cancel(sweepTimer) }
        sweepTimer = nil
    }
}
