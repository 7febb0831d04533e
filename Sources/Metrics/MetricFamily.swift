/// One metric name with its HELP, TYPE and children (one per label set), in
/// the order they were registered: the registry's internal model.
struct MetricFamily: Sendable {
    enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    enum Value: Sendable {
        case counter(Counter)
        case gauge(Gauge)
        case function(@Sendable () -> Double)
        case histogram(Histogram)
    }

    struct Child: Sendable {
        /// Rendered `{...}` text, in the caller's label order.
        let labelText: String
        let labels: [(String, String)]
        var value: Value
    }

    let name: String
    let help: String
    let kind: Kind
    var children: [Child] = []
    /// Label set (sorted by name, so order does not make a new child) → index.
    var childIndex: [String: Int] = [:]

    init(name: String, help: String, kind: Kind) {
        self.name = name
        self.help = help
        self.kind = kind
    }

    /// Identity of a label set regardless of the order the caller listed it in.
    static func key(_ labels: [(String, String)]) -> String {
        PrometheusText.labelSet(labels.sorted { $0.0 < $1.0 })
    }

    func render(into text: inout String) {
        text += "# HELP \(name) \(PrometheusText.escapeHelp(help))\n"
        text += "# TYPE \(name) \(kind.rawValue)\n"
        for child in children {
            switch child.value {
            case .counter(let counter):
                text += "\(name)\(child.labelText) \(counter.value)\n"
            case .gauge(let gauge):
                text += "\(name)\(child.labelText) \(PrometheusText.number(gauge.value))\n"
            case .function(let read):
                text += "\(name)\(child.labelText) \(PrometheusText.number(read()))\n"
            case .histogram(let histogram):
                renderHistogram(histogram, child, into: &text)
            }
        }
    }

    private func renderHistogram(_ histogram: Histogram, _ child: Child, into text: inout String) {
        // Read the buckets before the sum, and take the count from the
        // buckets, so `+Inf` and `_count` agree within one rendering.
        let cumulative = histogram.cumulativeCounts()
        let sum = histogram.sum
        let bounds = histogram.upperBounds.map(PrometheusText.number) + ["+Inf"]
        for (bound, count) in zip(bounds, cumulative) {
            let labels = PrometheusText.labelSet(child.labels + [("le", bound)])
            text += "\(name)_bucket\(labels) \(count)\n"
        }
        text += "\(name)_sum\(child.labelText) \(PrometheusText.number(sum))\n"
        text += "\(name)_count\(child.labelText) \(cumulative.last ?? 0)\n"
    }
}
