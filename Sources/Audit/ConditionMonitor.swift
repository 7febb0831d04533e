import Glibc

/// A pthread mutex guarding `State`, with two condition variables: `work` wakes the
/// writer thread, `progress` wakes callers blocked in `flush()`/`close()`. (The standard
/// library's `Mutex` has no condition variable; timed waits use CLOCK_MONOTONIC so a
/// wall-clock step cannot stretch a retry delay.)
final class ConditionMonitor<State>: @unchecked Sendable {
    enum Condition {
        case work
        case progress
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let workCondition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let progressCondition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var state: State

    init(_ state: State) {
        self.state = state
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(workCondition, &attributes)
        pthread_cond_init(progressCondition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(progressCondition)
        pthread_cond_destroy(workCondition)
        pthread_mutex_destroy(mutex)
        progressCondition.deallocate()
        workCondition.deallocate()
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout State) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&state)
    }

    /// Waits on `condition` until `ready` holds (or `timeoutNanoseconds` passes), then
    /// runs `body` without releasing the lock in between.
    func withLock<Result>(
        waitingOn condition: Condition, until ready: (State) -> Bool, timeoutNanoseconds: UInt64? = nil,
        _ body: (inout State) -> Result
    ) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let variable = pointer(to: condition)
        if let timeoutNanoseconds {
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let total = UInt64(deadline.tv_nsec) + timeoutNanoseconds
            deadline.tv_sec += Int(total / 1_000_000_000)
            deadline.tv_nsec = Int(total % 1_000_000_000)
            while !ready(state) {
                if pthread_cond_timedwait(variable, mutex, &deadline) == ETIMEDOUT { break }
            }
        } else {
            while !ready(state) {
                pthread_cond_wait(variable, mutex)
            }
        }
        return body(&state)
    }

    /// `work` has one waiter (the writer); `progress` may have many.
    func wake(_ condition: Condition) {
        switch condition {
        case .work: pthread_cond_signal(workCondition)
        case .progress: pthread_cond_broadcast(progressCondition)
        }
    }

    private func pointer(to condition: Condition) -> UnsafeMutablePointer<pthread_cond_t> {
        switch condition {
        case .work: return workCondition
        case .progress: return progressCondition
        }
    }
}
