/// Reads sample values out of Prometheus text exposition format, enough for
/// the unlabelled process metrics the bench needs from a remote server.
public enum MetricsText {
    /// The value of the unlabelled sample `name`, nil when absent or unparsable.
    public static func value(of name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard !line.hasPrefix("#"), line.hasPrefix(name) else { continue }
            let rest = line.dropFirst(name.count)
            guard rest.first == " " || rest.first == "\t" else { continue }  // another metric sharing the prefix, or labels
            let fields = rest.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = fields.first else { return nil }
            switch first {
            case "+Inf": return .infinity
            case "-Inf": return -.infinity
            case "NaN": return .nan
            default: return Double(first)
            }
        }
        return nil
    }
}

/// The server's CPU time and memory at one moment.
public struct ServerSample: Sendable, Equatable {
    public var cpuSeconds: Double
    public var residentBytes: Double
    /// CLOCK_MONOTONIC nanoseconds when read.
    public var takenAt: UInt64

    public init(cpuSeconds: Double, residentBytes: Double, takenAt: UInt64) {
        self.cpuSeconds = cpuSeconds
        self.residentBytes = residentBytes
        self.takenAt = takenAt
    }

    /// From a /metrics scrape: nil unless both process metrics are there.
    public init?(metrics text: String, takenAt: UInt64) {
        guard let cpu = MetricsText.value(of: "process_cpu_seconds_total", in: text),
              let rss = MetricsText.value(of: "process_resident_memory_bytes", in: text) else { return nil }
        self.init(cpuSeconds: cpu, residentBytes: rss, takenAt: takenAt)
    }

    /// The share of one core used between `earlier` and this sample, in percent.
    public func cpuPercent(since earlier: ServerSample) -> Double {
        let wall = Double(takenAt &- earlier.takenAt) / 1e9
        return wall > 0 ? (cpuSeconds - earlier.cpuSeconds) / wall * 100 : 0
    }
}
