import Glibc

/// The one door to the kernel: every call that reports failure as -1 and errno
/// goes through here. EINTR is retried, EAGAIN becomes `.wouldBlock`, anything
/// else is thrown with the function's name.
@inlinable @inline(__always)
public func syscall<T: FixedWidthInteger>(
    _ function: @autoclosure () -> String, _ body: () -> T
) throws(SystemError) -> IOResult<T> {
    while true {
        let result = body()
        if result != -1 { return .done(result) }
        let code = errno
        switch code {
        case EINTR: continue
        case EAGAIN: return .wouldBlock
        default: throw SystemError(function(), errno: code)
        }
    }
}

/// For calls that can never legitimately block (socket, bind, epoll_ctl...)
/// and for blocking descriptors such as files, where EAGAIN is an error like
/// any other (it is thrown with errno EAGAIN).
@inlinable @inline(__always)
@discardableResult
public func syscallNoBlock<T: FixedWidthInteger>(
    _ function: @autoclosure () -> String, _ body: () -> T
) throws(SystemError) -> T {
    switch try syscall(function(), body) {
    case .done(let value): return value
    case .wouldBlock: throw SystemError(function(), errno: EAGAIN)
    }
}
