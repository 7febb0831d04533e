import Dispatch
import Metrics
import XCTest

final class MetricsRegistryTests: XCTestCase {
    func testRenderSmallRegistryExactly() {
        let registry = MetricsRegistry(shards: 2)
        let accepted = registry.counter(
            "streamd_connections_total", help: "Connections accepted.", labels: [("listener", "wss")])
        let handshake = registry.histogram(
            "streamd_handshake_seconds", help: "Accept to WebSocket open.", buckets: [0.01, 0.1, 1])
        let queued = registry.gauge("streamd_queue_depth", help: "Messages waiting.")
        registry.gaugeFunction("streamd_open_connections", help: "Open connections.") { 7 }
        let denied = registry.counter(
            "streamd_connections_total", help: "ignored: the first help wins", labels: [("listener", "metrics")])

        accepted.increment(shard: 0)
        accepted.increment(shard: 1, by: 2)
        denied.increment(shard: registry.otherShard)
        queued.set(1.5)
        handshake.observe(seconds: 0.005, shard: 0)
        handshake.observe(seconds: 0.05, shard: 1)
        handshake.observe(seconds: 2, shard: 2)

        XCTAssertEqual(registry.render(), """
            # HELP streamd_connections_total Connections accepted.
            # TYPE streamd_connections_total counter
            streamd_connections_total{listener="wss"} 3
            streamd_connections_total{listener="metrics"} 1
            # HELP streamd_handshake_seconds Accept to WebSocket open.
            # TYPE streamd_handshake_seconds histogram
            streamd_handshake_seconds_bucket{le="0.01"} 1
            streamd_handshake_seconds_bucket{le="0.1"} 2
            streamd_handshake_seconds_bucket{le="1"} 2
            streamd_handshake_seconds_bucket{le="+Inf"} 3
            streamd_handshake_seconds_sum 2.055
            streamd_handshake_seconds_count 3
            # HELP streamd_queue_depth Messages waiting.
            # TYPE streamd_queue_depth gauge
            streamd_queue_depth 1.5
            # HELP streamd_open_connections Open connections.
            # TYPE streamd_open_connections gauge
            streamd_open_connections 7

            """)
    }

    func testEmptyRegistryRendersNothing() {
        XCTAssertEqual(MetricsRegistry(shards: 4).render(), "")
    }

    func testLabelValuesAndHelpAreEscaped() {
        let registry = MetricsRegistry(shards: 1)
        registry.counter(
            "odd_total", help: "Back\\slash and\nnewline, \"quotes\" kept.",
            labels: [("path", "C:\\dir"), ("quote", "say \"hi\""), ("line", "a\nb")]
        ).increment(shard: 0)
        XCTAssertEqual(registry.render(), """
            # HELP odd_total Back\\\\slash and\\nnewline, "quotes" kept.
            # TYPE odd_total counter
            odd_total{path="C:\\\\dir",quote="say \\"hi\\"",line="a\\nb"} 1

            """)
    }

    func testHistogramBucketsAreCumulativeWithInfSumAndCount() {
        let registry = MetricsRegistry(shards: 2)
        let latency = registry.histogram(
            "streamd_publish_latency_seconds", help: "Publish to write.", buckets: MetricBuckets.latency,
            labels: [("channel_kind", "tick")])
        // On a bound counts in that bucket (le is "less or equal").
        latency.observe(seconds: 0.00005, shard: 0)
        latency.observe(seconds: 0.0003, shard: 1)
        latency.observe(seconds: 0.0003, shard: 2)
        latency.observe(seconds: 5, shard: 0)
        latency.observe(seconds: -1, shard: 0)   // a stepped clock counts as zero

        XCTAssertEqual(latency.count, 5)
        XCTAssertEqual(latency.sum, 5.00065, accuracy: 1e-12)
        let lines = registry.render().split(separator: "\n").map(String.init)
        let buckets = lines.filter { $0.contains("_bucket") }
        XCTAssertEqual(buckets.count, MetricBuckets.latency.count + 1)
        XCTAssertEqual(buckets.first, #"streamd_publish_latency_seconds_bucket{channel_kind="tick",le="5e-05"} 2"#)
        XCTAssertTrue(lines.contains(#"streamd_publish_latency_seconds_bucket{channel_kind="tick",le="0.00025"} 2"#))
        XCTAssertTrue(lines.contains(#"streamd_publish_latency_seconds_bucket{channel_kind="tick",le="0.0005"} 4"#))
        XCTAssertTrue(lines.contains(#"streamd_publish_latency_seconds_bucket{channel_kind="tick",le="1"} 4"#))
        XCTAssertEqual(buckets.last, #"streamd_publish_latency_seconds_bucket{channel_kind="tick",le="+Inf"} 5"#)
        XCTAssertTrue(lines.contains(#"streamd_publish_latency_seconds_sum{channel_kind="tick"} 5.00065"#))
        XCTAssertTrue(lines.contains(#"streamd_publish_latency_seconds_count{channel_kind="tick"} 5"#))
        let counts = buckets.map { Int($0.split(separator: " ").last!)! }
        XCTAssertEqual(counts, counts.sorted(), "cumulative counts never decrease")
    }

    func testConcurrentIncrementsFromEightThreadsSum() {
        let registry = MetricsRegistry(shards: 8)
        let messages = registry.counter("streamd_messages_total", help: "Messages sent.")
        let latency = registry.histogram("streamd_latency_seconds", help: "Latency.", buckets: [0.001, 0.01])
        let perThread = 100_000
        DispatchQueue.concurrentPerform(iterations: 8) { loop in
            for index in 0..<perThread {
                messages.increment(shard: loop)
                if index % 10 == 0 { latency.observe(seconds: 0.002, shard: loop) }
            }
            // Threads that are not loops share the spare shard.
            messages.increment(shard: registry.otherShard, by: 3)
        }
        XCTAssertEqual(messages.value, 8 * perThread + 8 * 3)
        XCTAssertEqual(latency.count, 8 * perThread / 10)
        XCTAssertEqual(latency.sum, Double(8 * perThread / 10) * 0.002, accuracy: 1e-9)
    }

    func testSameNameAndLabelsReturnTheSameInstance() {
        let registry = MetricsRegistry(shards: 2)
        let first = registry.counter("frames_total", help: "Frames.", labels: [("dir", "in"), ("op", "text")])
        let again = registry.counter("frames_total", help: "Frames.", labels: [("dir", "in"), ("op", "text")])
        let reordered = registry.counter("frames_total", help: "Frames.", labels: [("op", "text"), ("dir", "in")])
        let other = registry.counter("frames_total", help: "Frames.", labels: [("dir", "out"), ("op", "text")])
        XCTAssertTrue(first === again)
        XCTAssertTrue(first === reordered, "label order does not make a new series")
        XCTAssertFalse(first === other)
        XCTAssertTrue(registry.gauge("g", help: "G.") === registry.gauge("g", help: "G."))
        XCTAssertTrue(
            registry.histogram("h_seconds", help: "H.", buckets: [1]) === registry.histogram("h_seconds", help: "H.", buckets: [1]))
        first.increment(shard: 0)
        again.increment(shard: 1)
        XCTAssertEqual(reordered.value, 2)
        XCTAssertEqual(registry.render().components(separatedBy: "# TYPE frames_total").count, 2, "one TYPE per family")
    }

    func testGaugeFunctionIsSampledAtRender() {
        let registry = MetricsRegistry(shards: 1)
        let open = ReadCountingValue()
        registry.gaugeFunction("streamd_open_connections", help: "Open.", labels: [("listener", "wss")]) { open.read() }
        open.set(3)
        XCTAssertTrue(registry.render().contains("streamd_open_connections{listener=\"wss\"} 3\n"))
        open.set(12.25)
        XCTAssertTrue(registry.render().contains("streamd_open_connections{listener=\"wss\"} 12.25\n"))
        XCTAssertEqual(open.reads, 2, "sampled once per render, not at registration")
    }

    func testGaugeSetAndAdd() {
        let gauge = MetricsRegistry(shards: 1).gauge("g", help: "G.")
        gauge.set(2)
        gauge.add(0.5)
        gauge.add(-3)
        XCTAssertEqual(gauge.value, -0.5)
    }

    func testSpecialValuesUsePrometheusSpelling() {
        let registry = MetricsRegistry(shards: 1)
        registry.gaugeFunction("a", help: "A.") { .infinity }
        registry.gaugeFunction("b", help: "B.") { -.infinity }
        registry.gaugeFunction("c", help: "C.") { .nan }
        let text = registry.render()
        XCTAssertTrue(text.contains("\na +Inf\n"))
        XCTAssertTrue(text.contains("\nb -Inf\n"))
        XCTAssertTrue(text.contains("\nc NaN\n"))
    }

    func testBucketPresetsIncrease() {
        for buckets in [MetricBuckets.handshake, MetricBuckets.latency] {
            XCTAssertEqual(buckets, buckets.sorted())
            XCTAssertEqual(buckets.last, 1)
        }
        XCTAssertEqual(MetricBuckets.handshake.first, 0.0005)
        XCTAssertEqual(MetricBuckets.latency.first, 0.00005)
    }
}

/// A value a gauge function reads, counting the reads.
private final class ReadCountingValue: @unchecked Sendable {
    // @unchecked: the test touches it from one thread only.
    private var value: Double = 0
    private(set) var reads = 0
    func set(_ value: Double) { self.value = value }
    func read() -> Double {
        reads += 1
        return value
    }
}
