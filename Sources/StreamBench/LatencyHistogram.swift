/// Latencies in nanoseconds, log-linear buckets: exact below 128 ns, then 64
/// buckets per power of two (every value lands within 1.6 % of its bucket's
/// top). Fixed size, no allocation per sample, mergeable across loops.
public struct LatencyHistogram: Sendable, Equatable {
    static let subBucketBits = 6
    static let subBuckets = 1 << subBucketBits
    static let bucketCount = (64 - subBucketBits) * subBuckets + subBuckets

    private var counts: [UInt64]
    public private(set) var count: UInt64 = 0
    public private(set) var max: UInt64 = 0
    public private(set) var sum: Double = 0

    public init() { counts = [UInt64](repeating: 0, count: Self.bucketCount) }

    public var isEmpty: Bool { count == 0 }

    @inline(__always)
    static func index(of value: UInt64) -> Int {
        if value < UInt64(2 * subBuckets) { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount
        let shift = exponent - subBucketBits
        let top = Int(value >> UInt64(shift))  // 64...127
        return (shift + 1) * subBuckets + (top - subBuckets)
    }

    /// The largest value that lands in bucket `index`.
    static func upperBound(of index: Int) -> UInt64 {
        if index < 2 * subBuckets { return UInt64(index) }
        let shift = index / subBuckets - 1
        let top = UInt64(subBuckets + index % subBuckets)
        if shift >= 57 && top == 127 { return .max }
        return ((top + 1) << UInt64(shift)) - 1
    }

    @inline(__always)
    public mutating func record(_ nanoseconds: UInt64) {
        counts[Self.index(of: nanoseconds)] &+= 1
        count &+= 1
        sum += Double(nanoseconds)
        if nanoseconds > max { max = nanoseconds }
    }

    public mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        for i in counts.indices where other.counts[i] != 0 { counts[i] &+= other.counts[i] }
        count &+= other.count
        sum += other.sum
        if other.max > max { max = other.max }
    }

    /// The value at quantile `q` (0...1): the top of the bucket holding the
    /// sample of rank ceil(q × count), never above the largest sample; nil when empty.
    public func value(atQuantile q: Double) -> UInt64? {
        guard count > 0 else { return nil }
        let rank = Swift.max(1, UInt64((q * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c != 0 {
            seen &+= c
            if seen >= rank { return Swift.min(Self.upperBound(of: i), max) }
        }
        return max
    }

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }
}
