import Synchronization

/// A value that goes up and down, set from anywhere.
///
/// Gauges are not on the hot path, so one atomic suffices: the Double is kept
/// as its bit pattern because there is no atomic Double.
public final class Gauge: Sendable {
    private let bits = Atomic<UInt64>(Double(0).bitPattern)

    init() {}

    public func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// Adds `delta` (negative to subtract). A compare-and-swap loop, since the
    /// addition happens on the Double, not on its bits.
    public func add(_ delta: Double) {
        var old = bits.load(ordering: .relaxed)
        while true {
            let new = (Double(bitPattern: old) + delta).bitPattern
            let (exchanged, current) = bits.compareExchange(expected: old, desired: new, ordering: .relaxed)
            if exchanged { return }
            old = current
        }
    }

    public var value: Double {
        Double(bitPattern: bits.load(ordering: .relaxed))
    }
}
