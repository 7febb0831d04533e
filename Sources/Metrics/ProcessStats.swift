import Glibc

/// The two standard Prometheus process metrics, read fresh on each scrape so
/// a remote tool (`streamd bench`) can see the server's CPU time and memory.
public enum ProcessStats {
    /// Registers `process_cpu_seconds_total` and `process_resident_memory_bytes`.
    public static func register(in registry: MetricsRegistry) {
        registry.counterFunction("process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds") {
            cpuSeconds()
        }
        registry.gaugeFunction("process_resident_memory_bytes", help: "Resident memory size in bytes") {
            Double(residentBytes() ?? 0)
        }
    }

    /// User + system CPU time of this process (every thread), from getrusage.
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Resident set size from /proc/self/statm (pages), nil where there is no /proc.
    public static func residentBytes() -> Int? {
        // statm is one short line; read it with plain read(2) rather than Foundation,
        // which this target does not import.
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        guard let pages = residentPages(statm: String(decoding: buffer[..<n], as: UTF8.self)) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The second field of /proc/PID/statm ("size resident shared ...").
    static func residentPages(statm: String) -> Int? {
        let fields = statm.split(separator: " ")
        guard fields.count >= 2 else { return nil }
        return Int(fields[1])
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000
    }
}
