/// How a connection attempt or a session ended, and whether trying again can help.
public enum SessionEnd: Sendable, Equatable {
    /// The server answered the upgrade with an HTTP error.
    case refused(status: Int, error: String, message: String, retryAfter: Double?)
    /// The server sent a close frame (code nil: an empty close).
    case closed(code: UInt16?, reason: String)
    /// Connect, TLS, timeout, reset, heartbeat: the link itself failed.
    case failed(String)

    public enum Decision: Sendable, Equatable {
        case retry(reason: String, atLeast: Double?)
        case stop(reason: String)
    }

    /// 401/403 and 4001/4003 need a new token or a policy change: retrying
    /// would only fill the audit log. Everything else may heal by itself.
    public var decision: Decision {
        switch self {
        case let .refused(status, error, message, retryAfter):
            let detail = "\(status) \(error)\(message.isEmpty ? "" : ": \(message)")"
            switch status {
            case 401: return .stop(reason: "token rejected (\(detail))")
            case 403: return .stop(reason: "forbidden (\(detail))")
            case 429, 503, 500..<600: return .retry(reason: "refused (\(detail))", atLeast: retryAfter)
            default: return .stop(reason: "refused (\(detail))")
            }
        case let .closed(code, reason):
            let suffix = reason.isEmpty ? "" : ": \(reason)"
            switch code {
            case 4001: return .stop(reason: "token expired (4001\(suffix))")
            case 4003: return .stop(reason: "permission withdrawn (4003\(suffix))")
            case 4008: return .retry(reason: "too slow, recovering (4008\(suffix))", atLeast: nil)
            case 4029: return .retry(reason: "rate limited (4029\(suffix))", atLeast: nil)
            case 1001: return .retry(reason: "server going away (1001\(suffix))", atLeast: nil)
            case let code?: return .retry(reason: "closed by the server (\(code)\(suffix))", atLeast: nil)
            case nil: return .retry(reason: "closed by the server", atLeast: nil)
            }
        case let .failed(reason):
            return .retry(reason: reason, atLeast: nil)
        }
    }
}
