import Glibc

/// The one door to the kernel: every call that reports failure as -1 and errno
/// goes through here. EINTR is retried, EAGAIN becomes `.wouldBlock`, anything
/// else is thrown with the function's name.
///
/// Inlinable so the event loop's reads and writes pay no call for it; errno is
/// read out of line, on the failure path only (Glibc is an internal import).
@inlinable @inline(__always)
public func syscall<T: FixedWidthInteger>(
    _ function: @autoclosure () -> String, _ body: () -> T
) throws(SystemError) -> IOResult<T> {
    while true {
        let result = body()
        if result != -1 { return .done(result) }
        switch SyscallFailure.current() {
        case .interrupted: continue
        case .wouldBlock: return .wouldBlock
        case .failed(let code): throw SystemError(function(), errno: code)
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
    case .wouldBlock: throw SystemError(function(), errno: SyscallFailure.wouldBlockErrno)
    }
}

/// What errno says about the call that just returned -1.
@usableFromInline
enum SyscallFailure {
    case interrupted
    case wouldBlock
    case failed(Int32)

    @usableFromInline
    static func current() -> SyscallFailure {
        let code = errno
        switch code {
        case EINTR: return .interrupted
        case EAGAIN: return .wouldBlock
        default: return .failed(code)
        }
    }

    @usableFromInline
    static var wouldBlockErrno: Int32 { EAGAIN }
}
