import Base
public import Glibc
public import NetCore
public import StreamClient

/// Reads the server's CPU seconds and resident memory: from its `/metrics`
/// (works against a remote server), or from /proc for a local process id.
public enum ServerProbe: Sendable {
    case metrics(StreamEndpoint, caPath: String?)
    case process(Int32)
    case none

    public struct ProbeError: Error, CustomStringConvertible {
        public let description: String
    }

    public func sample() throws -> ServerSample? {
        switch self {
        case .none:
            return nil
        case .metrics(let endpoint, let caPath):
            let connection = try BlockingTLSConnection(host: endpoint.host, port: endpoint.port, caPath: caPath)
            let answer = try connection.exchange(method: "GET", path: "/metrics", host: endpoint.authority,
                                                 headers: [("Connection", "close")])
            guard answer.status == 200 else { throw ProbeError(description: "GET /metrics answered \(answer.status)") }
            guard let sample = ServerSample(metrics: answer.bodyText, takenAt: MonotonicClock.now()) else {
                throw ProbeError(description: "the server's /metrics has no process_cpu_seconds_total or process_resident_memory_bytes (an older streamd? use --server-pid for a local one)")
            }
            return sample
        case .process(let pid):
            guard let stat = Self.read("/proc/\(pid)/stat"), let ticks = ProcStat.cpuTicks(stat: stat),
                  let status = Self.read("/proc/\(pid)/status"), let rss = ProcStat.residentBytes(status: status) else {
                throw ProbeError(description: "cannot read /proc/\(pid)/stat and status (is process \(pid) running, and ours to read?)")
            }
            return ServerSample(cpuSeconds: Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK))), residentBytes: Double(rss),
                                takenAt: MonotonicClock.now())
        }
    }

    /// A whole small /proc file (their size reads as 0, so read until EOF).
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            guard let n = try? syscallNoBlock("read", { chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }), n > 0 else {
                break
            }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
