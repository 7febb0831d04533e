/// A growable circular buffer addressed by absolute positions: the first
/// element ever appended is position 0 and a position never changes while
/// its element is stored, so other structures can remember where an element
/// sits without being fixed up when the head advances.
///
/// Capacity is a power of two (index by masking) and grows by doubling, so
/// append and popFirst are O(1) amortized. An empty buffer that has been
/// reset owns no heap storage: idle connections stay small.
struct RingBuffer<Element> {
    private var storage: ContiguousArray<Element?> = []
    /// Physical index of the first element in `storage`.
    private var head = 0
    private(set) var count = 0
    /// Absolute position of the first element.
    private(set) var startPosition = 0

    init() {}

    var isEmpty: Bool { count == 0 }
    /// Slots allocated, for memory accounting.
    var capacity: Int { storage.count }
    /// The position the next appended element will get.
    var endPosition: Int { startPosition + count }

    var first: Element? { count == 0 ? nil : storage[head] }
    var last: Element? { count == 0 ? nil : storage[physical(count - 1)] }

    mutating func append(_ element: Element) {
        if count == storage.count { grow() }
        storage[physical(count)] = element
        count += 1
    }

    @discardableResult
    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil  // release the reference now, not when the slot is reused
        head = (head + 1) & (storage.count - 1)
        count -= 1
        startPosition += 1
        return element
    }

    /// The element at absolute `position` (startPosition..<endPosition).
    subscript(position position: Int) -> Element {
        get { self[offset: position - startPosition] }
        set { self[offset: position - startPosition] = newValue }
    }

    /// The element `offset` places after the first.
    subscript(offset offset: Int) -> Element {
        get {
            precondition(offset >= 0 && offset < count, "ring offset out of range")
            return storage[physical(offset)]!
        }
        set {
            precondition(offset >= 0 && offset < count, "ring offset out of range")
            storage[physical(offset)] = newValue
        }
    }

    /// Empties the buffer and gives its storage back; positions keep counting.
    mutating func reset() {
        storage = []
        head = 0
        startPosition += count
        count = 0
    }

    private func physical(_ offset: Int) -> Int { (head + offset) & (storage.count - 1) }

    private mutating func grow() {
        let newCapacity = Swift.max(8, storage.count * 2)
        var grown = ContiguousArray<Element?>(repeating: nil, count: newCapacity)
        for offset in 0..<count { grown[offset] = storage[physical(offset)] }
        storage = grown
        head = 0
    }
}

extension RingBuffer: Sendable where Element: Sendable {}
