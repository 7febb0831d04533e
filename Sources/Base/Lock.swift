import Glibc

/// A mutual-exclusion lock around the state it guards, over a
/// `pthread_mutex_t` at a stable heap address.
///
/// Why not `Synchronization.Mutex`: on Linux ThreadSanitizer does not see
/// it, so every `withLock` body is reported as a race and real races hide
/// among them. TSan intercepts pthread mutexes, so with this lock its
/// reports mean something. Uncontended, both cost an atomic exchange.
public final class Lock<State>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Touched only with `mutex` held.
    @usableFromInline var state: State

    public init(_ state: State) {
        self.state = state
        mutex = .allocate(capacity: 1)
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held and the state lent to it.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: (inout State) throws(Failure) -> Result) throws(Failure) -> Result {
        lock()
        defer { unlock() }
        return try body(&state)
    }

    @usableFromInline
    func lock() { pthread_mutex_lock(mutex) }

    @usableFromInline
    func unlock() { pthread_mutex_unlock(mutex) }

}
