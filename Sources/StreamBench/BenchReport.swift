/// Turns a `BenchResult` into the summary table (and so the JSON object).
enum BenchReport {
    static func table(_ result: BenchResult, settings: BenchSettings) -> SummaryTable {
        var table = SummaryTable()
        table.add("scenario", "scenario", .text(result.scenario.rawValue))
        table.add("threads", "generator threads", .integer(Int64(settings.threads)))
        table.add("compression", "permessage-deflate", .text(settings.compression ? "offered" : "not offered"))
        switch result.scenario {
        case .fanout:
            if let step = result.steps.first {
                if settings.compression { table.add("compressed_subscribers", "subscribers that agreed", .integer(Int64(step.compressedSubscribers))) }
                addStep(step, to: &table, prefix: "", label: "")
            }
        case .ladder:
            if settings.compression, let step = result.steps.first {
                table.add("compressed_subscribers", "subscribers that agreed", .integer(Int64(step.compressedSubscribers)))
            }
            for step in result.steps {
                let rate = SummaryTable.fixed(step.rate, decimals: 0)
                addStep(step, to: &table, prefix: "at_\(rate)_", label: "@\(rate)/s ", brief: true)
            }
            table.add("highest_sustained_rate", "highest sustained rate", result.highestSustainedRate, decimals: 0, "msgs/s")
            table.note("sustained: delivery ratio >= \(settings.minimumDeliveryRatio) and p99 <= \(SummaryTable.fixed(settings.maximumP99Seconds * 1000, decimals: 0)) ms")
        case .handshakes:
            if let outcome = result.handshakes { addHandshakes(outcome, compression: settings.compression, to: &table) }
        case .idle:
            if let outcome = result.idle {
                if settings.compression { table.add("compressed_connections", "connections that agreed", .integer(Int64(outcome.compressed))) }
                addIdle(outcome, to: &table)
            }
        }
        for note in result.notes { table.note(note) }
        return table
    }

    private static func milliseconds(_ nanoseconds: UInt64?) -> Double? { nanoseconds.map { Double($0) / 1e6 } }

    private static func addStep(_ step: FanoutStep, to table: inout SummaryTable, prefix: String, label: String, brief: Bool = false) {
        let l = step.latency
        if !brief {
            table.add("subscribers", "subscribers", .integer(Int64(step.subscribers)), "connections")
            table.add("seconds", "measured", step.seconds, decimals: 1, "s")
            table.add("rate", "publish rate asked", step.rate, decimals: 1, "msgs/s")
        }
        table.add(prefix + "offered_per_s", label + "offered", step.offeredPerSecond, decimals: 1, "msgs/s")
        if !brief { table.add(prefix + "acked", label + "published (acked)", .integer(Int64(step.acked)), "msgs") }
        table.add(prefix + "delivered_per_s", label + "delivered", step.deliveredPerSecond, decimals: 0, "msgs/s")
        table.add(prefix + "delivery_ratio", label + "delivery ratio", step.deliveryRatio, decimals: 4)
        table.add(prefix + "seq_gaps", label + "seq gaps", .integer(Int64(step.gaps)), "msgs")
        table.add(prefix + "latency_p50_ms", label + "latency p50", milliseconds(l.value(atQuantile: 0.5)), decimals: 2, "ms")
        table.add(prefix + "latency_p99_ms", label + "latency p99", milliseconds(l.value(atQuantile: 0.99)), decimals: 2, "ms")
        if !brief {
            table.add(prefix + "latency_p999_ms", label + "latency p99.9", milliseconds(l.value(atQuantile: 0.999)), decimals: 2, "ms")
            table.add(prefix + "latency_max_ms", label + "latency max", milliseconds(l.isEmpty ? nil : l.max), decimals: 2, "ms")
        }
        if !brief {
            table.add("message_bytes", "message size (text, inflated)", step.wire.payloadBytesPerMessage, decimals: 0, "bytes")
        }
        table.add(prefix + "frame_bytes_per_msg", label + "WebSocket bytes per message", step.wire.frameBytesPerMessage,
                  decimals: 0, "bytes (TLS plaintext)")
        table.add(prefix + "tls_bytes_per_msg", label + "TLS bytes per message", step.wire.tlsBytesPerMessage, decimals: 0, "bytes (on TCP)")
        table.add(prefix + "disconnects", label + "disconnects", .integer(Int64(step.disconnects.values.reduce(0, +))))
        if !brief {
            for (reason, count) in step.disconnects.sorted(by: { $0.key < $1.key }) {
                table.add("disconnects_" + key(reason), "  " + reason, .integer(Int64(count)))
            }
            for (code, count) in step.publishErrors.sorted(by: { $0.key < $1.key }) {
                table.add("publish_errors_" + key(code), "publish errors: " + code, .integer(Int64(count)))
            }
        }
        table.add(prefix + "server_cpu_percent", label + "server CPU", step.serverCPUPercent, decimals: 1, "% of one core")
        table.add(prefix + "server_cpu_us_per_delivery", label + "server CPU per delivered msg", step.serverMicrosecondsPerDelivery,
                  decimals: 2, "µs")
        table.add(prefix + "bench_cpu_percent", label + "bench CPU", step.benchCPUPercent, decimals: 1, "% of one core")
    }

    private static func addHandshakes(_ outcome: HandshakeOutcome, compression: Bool, to table: inout SummaryTable) {
        table.add("concurrency", "concurrent workers", .integer(Int64(outcome.concurrency)))
        table.add("seconds", "measured", outcome.seconds, decimals: 1, "s")
        table.add("handshakes", "handshakes completed", .integer(Int64(outcome.completed)))
        if compression { table.add("compressed_handshakes", "handshakes that agreed", .integer(Int64(outcome.compressed))) }
        table.add("handshakes_per_s", "handshakes", outcome.perSecond, decimals: 1, "per s")
        table.add("latency_p50_ms", "connect to welcome p50", milliseconds(outcome.latency.value(atQuantile: 0.5)), decimals: 2, "ms")
        table.add("latency_p99_ms", "connect to welcome p99", milliseconds(outcome.latency.value(atQuantile: 0.99)), decimals: 2, "ms")
        table.add("failures", "failures", .integer(Int64(outcome.failures.values.reduce(0, +))))
        for (reason, count) in outcome.failures.sorted(by: { $0.key < $1.key }) {
            table.add("failures_" + key(reason), "  " + reason, .integer(Int64(count)))
        }
        table.add("server_cpu_percent", "server CPU", outcome.serverCPUPercent, decimals: 1, "% of one core")
        table.add("server_cpu_us_per_handshake", "server CPU per handshake", outcome.serverMicrosecondsPerHandshake, decimals: 0, "µs")
        table.add("bench_cpu_percent", "bench CPU", outcome.benchCPUPercent, decimals: 1, "% of one core")
    }

    private static func addIdle(_ outcome: IdleOutcome, to table: inout SummaryTable) {
        table.add("connections", "subscribed connections", .integer(Int64(outcome.connections)))
        table.add("server_rss_before_mib", "server RSS before", outcome.serverBefore.map { $0.residentBytes / 1_048_576 }, decimals: 1, "MiB")
        table.add("server_rss_after_mib", "server RSS after", outcome.serverAfter.map { $0.residentBytes / 1_048_576 }, decimals: 1, "MiB")
        table.add("server_kib_per_connection", "server memory per connection", outcome.serverKiBPerConnection, decimals: 1, "KiB")
        table.add("server_cpu_percent_idle", "server CPU while idle", outcome.serverCPUPercentWhileIdle, decimals: 1, "% of one core")
        table.add("bench_kib_per_connection", "bench memory per connection", outcome.benchKiBPerConnection, decimals: 1, "KiB")
        table.add("disconnects", "disconnects", .integer(Int64(outcome.disconnects)))
    }

    /// A reason as a JSON key: lower-case letters and digits joined by `_`.
    static func key(_ text: String) -> String {
        var out = ""
        for c in text.lowercased().unicodeScalars {
            if (c >= "a" && c <= "z") || (c >= "0" && c <= "9") { out.unicodeScalars.append(c) }
            else if !out.hasSuffix("_") && !out.isEmpty { out += "_" }
        }
        while out.hasSuffix("_") { out.removeLast() }
        return out
    }
}
