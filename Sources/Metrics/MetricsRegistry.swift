import Base

/// The server's metrics, rendered as Prometheus text exposition format 0.0.4
/// for `GET /metrics`.
///
/// Registration takes a lock and is meant for start-up; the returned
/// `Counter` and `Histogram` are then updated lock-free, each event loop
/// writing its own shard (`0..<shards`) and any other thread the spare shard
/// `otherShard`. Registering the same name and labels again returns the same
/// instance, so a component can look its metrics up instead of passing them.
public final class MetricsRegistry: Sendable {
    /// The `Content-Type` of `render()`'s output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The number of event-loop shards; valid shard indices are `0...shards`.
    public let shards: Int

    private struct State {
        var families: [MetricFamily] = []
        var familyIndex: [String: Int] = [:]
    }

    private let state = Lock(State())

    /// `shards` is the number of event loops; one more shard is kept for
    /// threads that are not loops (index `shards`, also `otherShard`).
    public init(shards: Int) {
        precondition(shards >= 0, "shards must not be negative")
        self.shards = shards
    }

    /// The shard for writers that are not event loops (signal handler, reload).
    public var otherShard: Int { shards }

    public func counter(_ name: String, help: String, labels: [(String, String)] = []) -> Counter {
        let shardCount = shards + 1
        let value = child(name, help: help, kind: .counter, labels: labels) {
            .counter(Counter(shardCount: shardCount))
        }
        guard case .counter(let counter) = value else { preconditionFailure("unreachable") }
        return counter
    }

    public func gauge(_ name: String, help: String, labels: [(String, String)] = []) -> Gauge {
        let value = child(name, help: help, kind: .gauge, labels: labels) { .gauge(Gauge()) }
        guard case .gauge(let gauge) = value else {
            preconditionFailure("metric \(name)\(PrometheusText.labelSet(labels)) is already a gauge function")
        }
        return gauge
    }

    /// `buckets` are upper bounds in seconds, increasing; `+Inf` is added.
    public func histogram(
        _ name: String, help: String, buckets: [Double], labels: [(String, String)] = []
    ) -> Histogram {
        var bounds = buckets
        if bounds.last == .infinity { bounds.removeLast() }
        precondition(!bounds.isEmpty, "histogram \(name) needs at least one finite bucket")
        precondition(bounds.allSatisfy(\.isFinite), "histogram \(name) has a bucket that is not a finite number")
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "histogram \(name) buckets must increase")
        precondition(!labels.contains { $0.0 == "le" }, "histogram \(name) may not use the label le")
        let shardCount = shards + 1
        let value = child(name, help: help, kind: .histogram, labels: labels) {
            .histogram(Histogram(upperBounds: bounds, shardCount: shardCount))
        }
        guard case .histogram(let histogram) = value else { preconditionFailure("unreachable") }
        precondition(histogram.upperBounds == bounds, "histogram \(name) was registered with other buckets")
        return histogram
    }

    /// A gauge whose value is read when rendering (open connections, RSS).
    /// `read` runs on the rendering thread, outside the registry's lock.
    /// Registering the same name and labels again replaces the function.
    public func gaugeFunction(
        _ name: String, help: String, labels: [(String, String)] = [], _ read: @escaping @Sendable () -> Double
    ) {
        function(name, help: help, kind: .gauge, labels: labels, read)
    }

    /// A counter whose value is read when rendering, for totals another
    /// source keeps (the process's CPU seconds). `read` must never decrease.
    public func counterFunction(
        _ name: String, help: String, labels: [(String, String)] = [], _ read: @escaping @Sendable () -> Double
    ) {
        function(name, help: help, kind: .counter, labels: labels, read)
    }

    private func function(
        _ name: String, help: String, kind: MetricFamily.Kind, labels: [(String, String)], _ read: @escaping @Sendable () -> Double
    ) {
        let value = child(name, help: help, kind: kind, labels: labels, replacingFunction: read) {
            .function(read)
        }
        guard case .function = value else {
            preconditionFailure("metric \(name)\(PrometheusText.labelSet(labels)) is already a plain \(kind.rawValue)")
        }
    }

    /// The exposition text: each family's HELP and TYPE once, families in
    /// registration order, children in registration order.
    public func render() -> String {
        // Copy the families out so gauge functions run without the lock: one
        // that registers a metric, or is slow, then cannot stall registration.
        let families = state.withLock { $0.families }
        var text = ""
        for family in families {
            family.render(into: &text)
        }
        return text
    }

    /// Finds or creates the child for `name` and `labels`.
    private func child(
        _ name: String, help: String, kind: MetricFamily.Kind, labels: [(String, String)],
        replacingFunction: (@Sendable () -> Double)? = nil,
        make: () -> MetricFamily.Value
    ) -> MetricFamily.Value {
        precondition(PrometheusText.isValidMetricName(name), "metric name \(name) is not [a-zA-Z_:][a-zA-Z0-9_:]*")
        for (label, _) in labels {
            precondition(PrometheusText.isValidLabelName(label), "metric \(name) has an invalid label name \(label)")
        }
        precondition(Set(labels.map(\.0)).count == labels.count, "metric \(name) repeats a label name")
        let key = MetricFamily.key(labels)
        return state.withLock { state in
            let familyIndex: Int
            if let found = state.familyIndex[name] {
                familyIndex = found
                let existing = state.families[found].kind
                precondition(existing == kind, "metric \(name) is already registered as a \(existing.rawValue)")
            } else {
                familyIndex = state.families.count
                state.families.append(MetricFamily(name: name, help: help, kind: kind))
                state.familyIndex[name] = familyIndex
            }
            if let index = state.families[familyIndex].childIndex[key] {
                if let replacement = replacingFunction, case .function = state.families[familyIndex].children[index].value {
                    state.families[familyIndex].children[index].value = .function(replacement)
                }
                return state.families[familyIndex].children[index].value
            }
            let value = make()
            let child = MetricFamily.Child(labelText: PrometheusText.labelSet(labels), labels: labels, value: value)
            state.families[familyIndex].childIndex[key] = state.families[familyIndex].children.count
            state.families[familyIndex].children.append(child)
            return value
        }
    }
}
