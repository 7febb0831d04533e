/// A monotonically increasing count, sharded per event loop.
///
/// Each loop increments its own padded shard, so the hot path is one
/// uncontended relaxed atomic add; `value` sums the shards when `/metrics` is
/// rendered, which is rare.
public final class Counter: Sendable {
    private let cells: ShardedCells

    /// `shardCount` includes the spare shard for threads that are not loops.
    init(shardCount: Int) {
        cells = ShardedCells(rows: shardCount, slots: 1)
    }

    /// Adds `amount` (never negative: Prometheus treats a decrease as a
    /// restart of the process) to the shard owned by the calling loop.
    public func increment(shard: Int, by amount: Int = 1) {
        precondition(amount >= 0, "a counter only goes up")
        cells.add(amount, row: shard, slot: 0)
    }

    /// The total over all shards.
    public var value: Int {
        cells.sum(slot: 0)
    }
}
