import Glibc

/// The audit log's clock: wall-clock milliseconds, read directly so the
/// writer thread needs no Foundation. Lines format it with `RFC3339`.
enum AuditTime {
    static func nowMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
