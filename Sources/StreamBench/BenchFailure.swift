import Glibc

/// Why a bench connection ended early, grouped into the reasons the summary counts.
public enum BenchConnectionError: Error, Equatable, Sendable, CustomStringConvertible {
    case connect(Int32)
    case tls(String)
    /// The server answered the upgrade with something other than 101.
    case refused(UpgradeAnswer)
    case protocolError(String)
    /// The server closed the session (close frame code, or none for a TCP close).
    case closedByServer(UInt16?)
    /// TCP reset or end of stream before the session was open, in that phase.
    case reset(String)
    case timeout(String)

    /// The grouping key for "failures by reason".
    public var reason: String {
        switch self {
        case .connect(let code): return "connect: \(String(cString: strerror(code)))"
        case .tls: return "TLS handshake failed"
        case .refused(let answer): return "HTTP \(answer.status)"
        case .protocolError: return "protocol error"
        case .closedByServer(let code?): return "closed by server (\(code))"
        case .closedByServer(nil): return "closed by server"
        case .reset(let phase): return "connection reset during \(phase)"
        case .timeout(let phase): return "timeout during \(phase)"
        }
    }

    public var description: String {
        switch self {
        case .connect(let code): return "cannot connect: \(String(cString: strerror(code)))"
        case .tls(let why): return why
        case .refused(let answer): return answer.refusalDescription
        case .protocolError(let why): return why
        case .closedByServer, .reset, .timeout: return reason
        }
    }

    /// What the operator can change when the server refused us.
    public var hint: String? {
        guard case .refused(let answer) = self else {
            if case .connect(EMFILE) = self { return "raise the open-file limit (ulimit -n)" }
            if case .connect(EADDRNOTAVAIL) = self { return "out of local ports: lower --connections or widen net.ipv4.ip_local_port_range" }
            return nil
        }
        switch answer.status {
        case 401: return "the token is missing, expired or signed with a key the server does not know"
        case 403: return "the token's roles must allow the channel (see policies-bench/) and the subject must not be disabled"
        case 429: return "raise connection.attempts_per_minute_per_address (0 = unlimited) and max_connections of the token's role in the server's policy"
        case 503: return "the server is at limits.max_connections (--max-connections) or shutting down"
        default: return nil
        }
    }
}
