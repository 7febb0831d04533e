public import Base
internal import CLinux
import Glibc
import Synchronization

/// What epoll reported for one descriptor.
public struct IOEvents: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let readable = IOEvents(rawValue: 1)
    public static let writable = IOEvents(rawValue: 2)
    public static let hangup = IOEvents(rawValue: 4)
    public static let error = IOEvents(rawValue: 8)
}

/// Something registered with a loop: a connection, a listener.
public protocol IOHandler: AnyObject {
    func handleIO(_ events: IOEvents)
}

/// Something that wants its queued output written once at the end of this
/// loop turn, so that everything produced in one turn leaves in one write.
public protocol Flushable: AnyObject {
    var isFlushScheduled: Bool { get set }
    func flush()
}

/// One thread, one epoll instance. Registered descriptors are edge-triggered
/// for read and write, so a connection is registered once and never modified.
/// Other threads talk to the loop only through `execute`, which queues a task
/// and wakes the loop through an eventfd.
public final class EventLoop: @unchecked Sendable {
    public let index: Int
    private let epollFD: Int32
    private let wakeFD: Int32
    private var slots: [Slot] = []
    private let inbox = Lock<[@Sendable () -> Void]>([])
    private let wakePending = Atomic<Bool>(false)
    private let stopRequested = Atomic<Bool>(false)
    private var timers = TimerQueue()
    private var flushQueue: [Flushable] = []
    private var loopThread: pthread_t?
    private let eventCapacity = 256

    /// Scratch space shared by every connection of this loop for socket reads:
    /// one buffer per loop instead of one per connection.
    public let receiveBuffer: UnsafeMutableRawBufferPointer

    private struct Slot {
        var handler: IOHandler?
        var generation: UInt32 = 0
    }

    public init(index: Int, receiveBufferSize: Int = 256 * 1024) throws(SystemError) {
        self.index = index
        epollFD = try syscallNoBlock("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        wakeFD = try syscallNoBlock("eventfd") { eventfd(0, CLinux_EFD_NONBLOCK() | CLinux_EFD_CLOEXEC()) }
        receiveBuffer = .allocate(byteCount: receiveBufferSize, alignment: 16)
        var event = CLinux_epoll_event(UInt32(CLinux_EPOLLIN()), UInt64(UInt32.max))
        try syscallNoBlock("epoll_ctl(eventfd)") { epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event) }
    }

    deinit {
        Socket.close(wakeFD)
        Socket.close(epollFD)
        receiveBuffer.deallocate()
    }

    public var isInLoop: Bool {
        guard let loopThread else { return false }
        return pthread_equal(loopThread, pthread_self()) != 0
    }

    // MARK: Registration (loop thread only)

    /// Registers `fd` edge-triggered for read, write and peer hang-up.
    public func register(fd: Int32, handler: IOHandler) throws(SystemError) {
        let index = Int(fd)
        if index >= slots.count { slots.append(contentsOf: repeatElement(Slot(), count: index + 1 - slots.count + 64)) }
        slots[index].generation &+= 1
        slots[index].handler = handler
        let mask = UInt32(CLinux_EPOLLIN() | CLinux_EPOLLOUT() | CLinux_EPOLLRDHUP()) | UInt32(CLinux_EPOLLET())
        var event = CLinux_epoll_event(mask, UInt64(slots[index].generation) << 32 | UInt64(UInt32(fd)))
        do {
            try syscallNoBlock("epoll_ctl(ADD)") { epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) }
        } catch {
            slots[index].handler = nil
            throw error
        }
    }

    /// Registers a listening socket level-triggered for reads only.
    public func registerListener(fd: Int32, handler: IOHandler) throws(SystemError) {
        let index = Int(fd)
        if index >= slots.count { slots.append(contentsOf: repeatElement(Slot(), count: index + 1 - slots.count + 64)) }
        slots[index].generation &+= 1
        slots[index].handler = handler
        var event = CLinux_epoll_event(UInt32(CLinux_EPOLLIN()), UInt64(slots[index].generation) << 32 | UInt64(UInt32(fd)))
        try syscallNoBlock("epoll_ctl(ADD)") { epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) }
    }

    /// Forgets `fd`; call before closing it. Events already fetched for the old
    /// registration are dropped by the generation check, even if the number is reused.
    public func deregister(fd: Int32) {
        var event = CLinux_epoll_event(0, 0)
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
        let index = Int(fd)
        if index < slots.count {
            slots[index].handler = nil
            slots[index].generation &+= 1
        }
    }

    // MARK: Cross-thread work

    /// Runs `task` on this loop's thread. Safe from any thread; the eventfd is
    /// written only when the loop is not already due to wake.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        inbox.withLock { $0.append(task) }
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    /// Asks the loop to return from `run()` after its current turn.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        execute {}
    }

    // MARK: Timers and flushes (loop thread only)

    @discardableResult
    public func schedule(afterNanoseconds delay: UInt64, _ callback: @escaping () -> Void) -> TimerID {
        timers.schedule(at: MonotonicClock.now() &+ delay, callback)
    }

    public func cancel(_ timer: TimerID) { timers.cancel(timer) }

    public func requestFlush(_ target: Flushable) {
        guard !target.isFlushScheduled else { return }
        target.isFlushScheduled = true
        flushQueue.append(target)
    }

    // MARK: The loop

    /// Runs the loop on the calling thread until `stop()`.
    public func run() {
        loopThread = pthread_self()
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: eventCapacity)
        defer { events.deallocate() }
        while !stopRequested.load(ordering: .acquiring) {
            let timeout = timers.millisecondsUntilNext(now: MonotonicClock.now())
            let count = epoll_wait(epollFD, events, Int32(eventCapacity), timeout)
            if count > 0 {
                for i in 0..<Int(count) { dispatch(events + i) }
            }
            let now = MonotonicClock.now()
            while let callback = timers.popExpired(now: now) { callback() }
            runFlushes()
        }
    }

    @inline(__always)
    private func dispatch(_ event: UnsafeMutablePointer<epoll_event>) {
        let data = CLinux_epoll_event_data(event)
        if data == UInt64(UInt32.max) {
            drainInbox()
            return
        }
        let fd = Int(UInt32(truncatingIfNeeded: data))
        let generation = UInt32(truncatingIfNeeded: data >> 32)
        guard fd < slots.count, slots[fd].generation == generation, let handler = slots[fd].handler else { return }
        let raw = CLinux_epoll_event_events(event)
        var events: IOEvents = []
        if raw & UInt32(CLinux_EPOLLIN()) != 0 { events.insert(.readable) }
        if raw & UInt32(CLinux_EPOLLOUT()) != 0 { events.insert(.writable) }
        if raw & UInt32(CLinux_EPOLLHUP() | CLinux_EPOLLRDHUP()) != 0 { events.insert(.hangup) }
        if raw & UInt32(CLinux_EPOLLERR()) != 0 { events.insert(.error) }
        handler.handleIO(events)
    }

    private func drainInbox() {
        var counter: UInt64 = 0
        _ = Glibc.read(wakeFD, &counter, 8)
        wakePending.store(false, ordering: .releasing)
        let tasks = inbox.withLock { tasks -> [@Sendable () -> Void] in
            let taken = tasks
            tasks.removeAll(keepingCapacity: true)
            return taken
        }
        for task in tasks { task() }
    }

    private func runFlushes() {
        // A flush may queue more flushes (a close that writes); loop until quiet.
        while !flushQueue.isEmpty {
            let batch = flushQueue
            flushQueue.removeAll(keepingCapacity: true)
            for target in batch {
                target.isFlushScheduled = false
                target.flush()
            }
        }
    }
}
