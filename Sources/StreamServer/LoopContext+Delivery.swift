import Base
import Broadcast
import Metrics
import NetCore

extension LoopContext {
    /// Runs on this loop: the message's frame goes to each matching session once.
    /// What is the same for every recipient (kind, policy, counters) is resolved
    /// here once per message, not once per subscriber.
    func deliver(_ message: StreamMessage) {
        let kind = message.kind ?? .order
        let policy = broadcaster.deliveryPolicy(for: kind)
        var queued = 0
        subscriptions.forEachSubscriber(of: message.channel) { connection in
            if connection.deliver(message, kind: kind, policy: policy) { queued += 1 }
        }
        if queued > 0 {
            metrics.messagesOutByKind[kind]?.increment(shard: shard, by: queued)
            metrics.bytesOut.increment(shard: shard, by: queued * message.frame.count)
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
