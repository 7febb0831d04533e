import Broadcast
import Metrics
import NetCore

extension LoopContext {
    /// Runs on this loop: the message's frame goes to each matching session once.
    func deliver(_ message: StreamMessage) {
        subscriptions.forEachSubscriber(of: message.channel) { connection in
            connection.deliver(message)
        }
        writeLatency.note(message.publishedAtNanoseconds)
        loop.requestFlush(writeLatency)
    }
}

/// Publish-to-write latency: flushed after the connections of the same loop
/// turn (flushes run in request order), so it observes when the last
/// subscriber on this loop had the frame handed to TLS.
final class WriteLatencyRecorder: Flushable {
    var isFlushScheduled = false
    private var pending: [UInt64] = []
    private let histogram: () -> Histogram?
    private let shard: Int

    init(shard: Int, histogram: @escaping () -> Histogram?) {
        self.shard = shard
        self.histogram = histogram
    }

    func note(_ publishedAt: UInt64) {
        if publishedAt != 0 { pending.append(publishedAt) }
    }

    func flush() {
        guard !pending.isEmpty, let histogram = histogram() else { return pending.removeAll(keepingCapacity: true) }
        let now = MonotonicClock.now()
        for publishedAt in pending {
            histogram.observe(seconds: Double(now &- publishedAt) / 1e9, shard: shard)
        }
        pending.removeAll(keepingCapacity: true)
    }
}
