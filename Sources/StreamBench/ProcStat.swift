/// Parses the /proc/PID files that `--server-pid` reads (a local server whose
/// /metrics lacks the process metrics, or to cross-check them).
public enum ProcStat {
    /// utime + stime in clock ticks from /proc/PID/stat. The command name in
    /// parentheses may itself hold spaces and ')', so fields are counted from
    /// the last ')'.
    public static func cpuTicks(stat: String) -> UInt64? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return user + system
    }

    /// VmRSS from /proc/PID/status, in bytes.
    public static func residentBytes(status: String) -> UInt64? {
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let value = fields.first.flatMap({ UInt64($0) }) else { return nil }
            let unit = fields.count > 1 ? fields[1].lowercased() : "kb"
            return unit == "kb" ? value * 1024 : value
        }
        return nil
    }
}
