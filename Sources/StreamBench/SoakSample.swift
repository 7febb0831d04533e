import Foundation
import Glibc
import NetCore
import StreamClient

/// What the soak reads from the server at one moment: its RSS and open
/// descriptors from /proc/PID, and its own gauges from GET /metrics.
public struct SoakSample: Sendable {
    public var phase: String
    /// Seconds since the run started (the connections start opening).
    public var seconds: Double
    public var residentBytes: Double?
    public var openDescriptors: Int?
    /// streamd_connections and streamd_sessions (nil when /metrics did not answer).
    public var connections: Double?
    public var sessions: Double?
    public var slowConsumerCloses: Double?
    public var conflated: Double?
    /// The bench's side.
    public var subscribed: Int
    public var churned: UInt64
    public var resumed: UInt64
    public var deliveredPerSecond: Double
    public var gaps: UInt64
    public var failures: Int

    public static let header = "  time  phase     subscribed  rss MiB    fds  server conns  sessions  churned  resumed    msgs/s  gaps  failures"

    public var line: String {
        func cell(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        func number(_ value: Double?) -> String { value.map { String(Int($0.rounded())) } ?? "-" }
        let rss = residentBytes.map { String(Double(Int($0 / 1024 / 1024 * 10)) / 10) } ?? "-"
        return cell("\(Int(seconds.rounded()))s", 6) + "  " + phase.padding(toLength: 8, withPad: " ", startingAt: 0)
            + cell(String(subscribed), 12) + cell(rss, 9) + cell(openDescriptors.map(String.init) ?? "-", 7)
            + cell(number(connections), 14) + cell(number(sessions), 10) + cell(String(churned), 9) + cell(String(resumed), 9)
            + cell(String(Int(deliveredPerSecond.rounded())), 10) + cell(String(gaps), 6) + cell(String(failures), 10)
    }
}

/// Reads /proc/PID and the server's /metrics for the soak.
struct SoakProbe {
    let pid: Int32
    let endpoint: StreamEndpoint
    let caPath: String?

    func residentBytes() -> Double? {
        ServerProbe.read("/proc/\(pid)/status").flatMap { ProcStat.residentBytes(status: $0) }.map { Double($0) }
    }

    /// Entries of /proc/PID/fd: every descriptor the server holds (sockets, epoll, files).
    func openDescriptors() -> Int? {
        guard let directory = opendir("/proc/\(pid)/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { count += 1 }
        }
        return count
    }

    func isAlive() -> Bool { kill(pid, 0) == 0 }

    /// The metrics text, or nil when the server did not answer 200.
    func metrics() -> String? {
        guard let connection = try? BlockingTLSConnection(host: endpoint.host, port: endpoint.port, caPath: caPath),
              let answer = try? connection.exchange(method: "GET", path: "/metrics", host: endpoint.authority,
                                                    headers: [("Connection", "close")]),
              answer.status == 200 else { return nil }
        return answer.bodyText
    }
}
