/// A distribution of durations in fixed buckets, sharded per event loop.
///
/// Each shard row holds one non-cumulative count per bucket (the last is
/// +Inf) and the sum in integer nanoseconds, because there is no atomic
/// Double. The count is not stored separately: it is the total of the bucket
/// counts, which keeps the rendered `_count` equal to the `+Inf` bucket even
/// while observations race with a render, and saves one atomic add per
/// observation.
public final class Histogram: Sendable {
    /// Upper bounds in seconds, increasing, without the implicit +Inf.
    public let upperBounds: [Double]
    private let cells: ShardedCells
    private var sumSlot: Int { upperBounds.count + 1 }

    init(upperBounds: [Double], shardCount: Int) {
        self.upperBounds = upperBounds
        cells = ShardedCells(rows: shardCount, slots: upperBounds.count + 2)
    }

    /// Records one duration. Negative and NaN durations (a clock stepped
    /// backwards) count as zero rather than corrupting the sum.
    public func observe(seconds: Double, shard: Int) {
        let clamped = seconds >= 0 ? seconds : 0
        var bucket = 0
        while bucket < upperBounds.count && clamped > upperBounds[bucket] {
            bucket += 1
        }
        cells.add(1, row: shard, slot: bucket)
        cells.add(Self.nanoseconds(clamped), row: shard, slot: sumSlot)
    }

    /// The number of observations over all shards.
    public var count: Int {
        var total = 0
        for bucket in 0...upperBounds.count {
            total &+= cells.sum(slot: bucket)
        }
        return total
    }

    /// The sum of all observations, in seconds.
    public var sum: Double {
        Double(cells.sum(slot: sumSlot)) / 1e9
    }

    /// Cumulative counts, one per upper bound and a last one for +Inf (which
    /// is also the count).
    func cumulativeCounts() -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(upperBounds.count + 1)
        var running = 0
        for bucket in 0...upperBounds.count {
            running &+= cells.sum(slot: bucket)
            result.append(running)
        }
        return result
    }

    /// Whole nanoseconds of a non-negative duration, rounded by hand (not
    /// `rounded()`, which needs libm) and saturating, since `Int(_:)` traps
    /// on values it cannot hold.
    private static func nanoseconds(_ seconds: Double) -> Int {
        let value = seconds * 1e9 + 0.5
        return value < 9.0e18 ? Int(value) : 9_000_000_000_000_000_000
    }
}
