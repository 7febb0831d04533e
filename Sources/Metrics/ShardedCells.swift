import Synchronization

/// A block of atomic integers, `rows` × `slots`, with one row per shard.
///
/// Each row starts on its own 128-byte boundary so two event loops never
/// write the same cache line: 128 rather than 64 because adjacent-line
/// prefetchers pull lines in pairs. The cells of one row share lines freely,
/// since only one loop writes them.
///
/// Writers add with relaxed ordering; readers sum the rows at render time, so
/// a reading is not a snapshot, only a value that each cell's history passed
/// through. That is all Prometheus asks of a counter.
final class ShardedCells: @unchecked Sendable {
    // @unchecked: `base` is written only through `Atomic` operations and is
    // freed in deinit, when no reference (and so no writer) remains.

    private static let lineBytes = 128

    let rows: Int
    let slots: Int
    private let rowStride: Int
    private let base: UnsafeMutablePointer<Atomic<Int>>

    init(rows: Int, slots: Int) {
        precondition(rows > 0 && slots > 0, "ShardedCells needs at least one row and one slot")
        let cellBytes = MemoryLayout<Atomic<Int>>.stride
        let cellsPerLine = Self.lineBytes / cellBytes
        self.rows = rows
        self.slots = slots
        self.rowStride = (slots + cellsPerLine - 1) / cellsPerLine * cellsPerLine
        let count = rows * rowStride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * cellBytes, alignment: Self.lineBytes)
        base = raw.bindMemory(to: Atomic<Int>.self, capacity: count)
        for index in 0..<count {
            (base + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        base.deinitialize(count: rows * rowStride)
        UnsafeMutableRawPointer(base).deallocate()
    }

    /// Adds to one cell. The range check stays in release builds: a wrong
    /// shard index would otherwise write into another allocation.
    @inline(__always)
    func add(_ amount: Int, row: Int, slot: Int) {
        precondition(row >= 0 && row < rows, "metrics shard \(row) is outside 0..<\(rows)")
        precondition(slot >= 0 && slot < slots)
        base[row * rowStride + slot].wrappingAdd(amount, ordering: .relaxed)
    }

    /// The sum of one slot over all rows.
    func sum(slot: Int) -> Int {
        precondition(slot >= 0 && slot < slots)
        var total = 0
        for row in 0..<rows {
            total &+= base[row * rowStride + slot].load(ordering: .relaxed)
        }
        return total
    }
}
