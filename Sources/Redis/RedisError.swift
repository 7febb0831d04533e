/// Why a command, a connection or an endpoint failed, in words an operator
/// can act on. A Redis `-ERR` reply is not one of these: it arrives as
/// `.success(.error(message))`, because the connection is still healthy.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection is not up (connecting, waiting to reconnect, closed).
    case notConnected
    /// Too many commands are waiting for replies; the caller must shed load.
    case overloaded(limit: Int)
    /// The connection dropped before this command's reply arrived: it may or
    /// may not have run on the server.
    case disconnected(String)
    /// The server refused a subscription or a handshake step with this error
    /// reply (plain commands get theirs as `.success(.error(...))`).
    case server(String)
    /// The server sent bytes that are not RESP; hiredis's description.
    case protocolError(String)
    /// A command with no arguments, or a subscription with no channels.
    case emptyCommand
    /// `close()` was called: this connection will not come back.
    case closed
    /// A redis:// URL that cannot be used.
    case invalidEndpoint(String)

    public var description: String {
        switch self {
        case .notConnected: "redis: not connected (the connection is down and reconnecting)"
        case .overloaded(let limit): "redis: \(limit) commands already await replies; command refused"
        case .disconnected(let reason): "redis: connection lost before the reply (\(reason)); the command may or may not have run"
        case .server(let message): "redis: the server refused: \(message)"
        case .protocolError(let detail): "redis: unreadable reply from the server: \(detail)"
        case .emptyCommand: "redis: a command needs at least one argument"
        case .closed: "redis: the connection was closed"
        case .invalidEndpoint(let detail): detail
        }
    }
}
