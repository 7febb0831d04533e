/// A manually managed byte FIFO: appends at the tail, consumes from the head, and only
/// moves bytes when it must (no memmove per partial send). Capacity is zero until first
/// use and can be handed back with `releaseStorage()` — idle connections hold nothing.
struct ByteQueue: ~Copyable {
    private var storage: UnsafeMutableRawPointer?
    private(set) var capacity = 0
    private var head = 0
    private var tail = 0

    static let minimumCapacity = 1024

    init() {}

    deinit {
        storage?.deallocate()
    }

    var count: Int { tail - head }
    var isEmpty: Bool { head == tail }

    /// The queued bytes; valid until the next mutation.
    var readableBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage.map { $0 + head }, count: tail - head)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserveForAppending(bytes.count)
        (storage! + tail).copyMemory(from: source, byteCount: bytes.count)
        tail += bytes.count
    }

    /// Makes room for `additional` bytes at the tail: compacts if that suffices and the
    /// move is small relative to the buffer, otherwise grows geometrically.
    mutating func reserveForAppending(_ additional: Int) {
        if capacity - tail >= additional { return }
        let live = tail - head
        if let storage, live + additional <= capacity, live <= capacity / 2 {
            storage.copyMemory(from: storage + head, byteCount: live)
            head = 0
            tail = live
            return
        }
        let newCapacity = Swift.max(live + additional, capacity * 2, Self.minimumCapacity)
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        if let storage {
            newStorage.copyMemory(from: storage + head, byteCount: live)
            storage.deallocate()
        }
        storage = newStorage
        capacity = newCapacity
        head = 0
        tail = live
    }

    /// Copies up to `destination.count` bytes out of the head; returns how many.
    mutating func read(into destination: UnsafeMutableRawBufferPointer) -> Int {
        let n = Swift.min(destination.count, count)
        guard n > 0, let target = destination.baseAddress else { return 0 }
        target.copyMemory(from: storage! + head, byteCount: n)
        consume(n)
        return n
    }

    mutating func consume(_ n: Int) {
        precondition(n >= 0 && n <= count, "consumed more bytes than are queued")
        head += n
        if head == tail {
            head = 0
            tail = 0
        }
    }

    /// Frees the storage; only when empty.
    mutating func releaseStorage() {
        guard isEmpty, let storage else { return }
        storage.deallocate()
        self.storage = nil
        capacity = 0
    }
}
