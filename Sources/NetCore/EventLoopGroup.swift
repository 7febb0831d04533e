public import Base
internal import CLinux
import Glibc
import Synchronization

/// N event loops, each on its own thread (one per core by default).
public final class EventLoopGroup: @unchecked Sendable {
    public let loops: [EventLoop]
    private let threads = Lock<[pthread_t]>([])
    private let roundRobin = Atomic<Int>(0)

    public init(loopCount: Int) throws(SystemError) {
        precondition(loopCount > 0, "an event loop group needs at least one loop")
        var loops: [EventLoop] = []
        for index in 0..<loopCount { loops.append(try EventLoop(index: index)) }
        self.loops = loops
    }

    /// The number of CPUs this process may run on (honours taskset/cgroups).
    public static var availableCores: Int {
        Int(max(1, CLinux_available_cpus()))
    }

    /// Starts one thread per loop; returns at once.
    public func start(name: String = "streamd-loop") {
        for loop in loops {
            let box = Unmanaged.passRetained(LoopBox(loop: loop, name: "\(name)-\(loop.index)"))
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { raw in
                let box = Unmanaged<LoopBox>.fromOpaque(raw!).takeRetainedValue()
                box.name.withCString { CLinux_set_thread_name($0) }
                box.loop.run()
                return nil
            }, box.toOpaque())
            precondition(rc == 0, "pthread_create failed: \(rc)")
            threads.withLock { $0.append(thread) }
        }
    }

    /// A loop chosen round-robin, for work not tied to a connection.
    public func next() -> EventLoop {
        loops[roundRobin.add(1, ordering: .relaxed).oldValue % loops.count]
    }

    /// Stops every loop and waits for its thread to end.
    public func stopAndJoin() {
        for loop in loops { loop.stop() }
        let joined = threads.withLock { threads -> [pthread_t] in
            let all = threads
            threads.removeAll()
            return all
        }
        for thread in joined { pthread_join(thread, nil) }
    }
}

private final class LoopBox {
    let loop: EventLoop
    let name: String
    init(loop: EventLoop, name: String) {
        self.loop = loop
        self.name = name
    }
}
