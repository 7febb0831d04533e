import Base
import Broadcast
import Metrics
import Synchronization

/// The server's Prometheus metrics, registered once. Hot-path counters are
/// sharded per loop (the loop's index is the shard), so loops never contend.
final class ServerMetrics: Sendable {
    let registry: MetricsRegistry
    let handshakes: Counter
    let handshakeFailures: Counter
    let handshakeSeconds: Histogram
    let messagesIn: Counter
    let bytesIn: Counter
    let bytesOut: Counter
    let messagesOutByKind: [ChannelKind: Counter]
    let controlMessagesOut: Counter
    let conflated: Counter
    let dropped: Counter
    let slowConsumerCloses: Counter
    let publishToWriteSeconds: Histogram
    let published: Counter
    let duplicatePublishes: Counter
    let compressedFrames: Counter
    let compressionBytesIn: Counter
    let compressionBytesOut: Counter
    let inflateFailures: Counter
    let evictedIdempotencyKeys: Counter

    init(loops: Int, state: ServerState) {
        let registry = MetricsRegistry(shards: loops)
        self.registry = registry
        registry.gaugeFunction("streamd_connections", help: "Open TCP connections (all phases)") {
            Double(state.openConnections.load(ordering: .relaxed))
        }
        registry.gaugeFunction("streamd_sessions", help: "Open WebSocket sessions") {
            Double(state.upgradedConnections.load(ordering: .relaxed))
        }
        handshakes = registry.counter("streamd_handshakes_total", help: "Completed TLS handshakes")
        handshakeFailures = registry.counter("streamd_handshake_failures_total", help: "TLS handshakes that failed (bad client, not TLS, timeout)")
        handshakeSeconds = registry.histogram("streamd_handshake_seconds", help: "Accept to TLS handshake complete",
                                              buckets: MetricBuckets.handshake)
        messagesIn = registry.counter("streamd_messages_in_total", help: "Client messages received")
        bytesIn = registry.counter("streamd_bytes_in_total", help: "Client message payload bytes received")
        bytesOut = registry.counter("streamd_bytes_out_total", help: "Frame bytes queued towards clients")
        var byKind: [ChannelKind: Counter] = [:]
        for kind in ChannelKind.allCases {
            byKind[kind] = registry.counter("streamd_messages_out_total", help: "Stream messages queued towards clients, by type",
                                            labels: [("type", kind.messageType)])
        }
        messagesOutByKind = byKind
        controlMessagesOut = registry.counter("streamd_messages_out_total", help: "Stream messages queued towards clients, by type",
                                              labels: [("type", "control")])
        conflated = registry.counter("streamd_conflated_total", help: "Queued ticks replaced by a newer one for a slow client")
        dropped = registry.counter("streamd_dropped_total", help: "Messages dropped for a slow client (drop policy)")
        slowConsumerCloses = registry.counter("streamd_slow_consumer_closes_total", help: "Sessions closed with 4008")
        publishToWriteSeconds = registry.histogram("streamd_publish_to_write_seconds", help: "Publish to the frame's TLS write",
                                                   buckets: MetricBuckets.latency)
        published = registry.counter("streamd_published_total", help: "Messages published (all channels)")
        compressedFrames = registry.counter("streamd_compressed_frames_total",
                                            help: "Stream messages compressed (once each, for every subscriber using that window)")
        compressionBytesIn = registry.counter("streamd_compression_bytes_in_total", help: "Payload bytes before compression")
        compressionBytesOut = registry.counter("streamd_compression_bytes_out_total", help: "Payload bytes after compression")
        inflateFailures = registry.counter("streamd_inflate_failures_total",
                                           help: "Compressed client messages that could not be inflated (corrupt: 1007, too large: 1009)")
        duplicatePublishes = registry.counter("streamd_idempotency_duplicates_total",
                                              help: "Publishes answered as duplicates of an earlier one with the same idempotency key")
        evictedIdempotencyKeys = registry.counter("streamd_idempotency_evicted_total",
                                                  help: "Idempotency keys forgotten before their window ended (streams.idempotency_max_keys)")
        ProcessStats.register(in: registry)
    }

    func refusal(_ reason: String) -> Counter {
        registry.counter("streamd_refusals_total", help: "Refused upgrades and requests, by reason", labels: [("reason", reason)])
    }

    func closes(_ code: UInt16) -> Counter {
        registry.counter("streamd_closes_total", help: "Sessions closed by the server, by close code", labels: [("code", String(code))])
    }
}
