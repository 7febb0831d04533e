/// A request that passed RFC 6455 §4.2.1: what the server needs to decide
/// whether to accept it (authentication, origin allowlist, subprotocol) and
/// to answer it.
public struct UpgradeRequest: Sendable, Hashable {
    /// `Sec-WebSocket-Key`, trimmed; already checked to be 16 bytes in base64.
    public var key: String
    /// Every `Sec-WebSocket-Protocol` value, comma-split and trimmed, in order.
    /// May hold `bearer.<JWT>` (protocol.md §1): never log or echo it whole.
    public var subprotocols: [String]
    /// `Origin`, sent by browsers; nil for other clients.
    public var origin: String?
    public var path: String
    public var query: String?
    public var headers: HTTPHeaders

    public init(
        key: String, subprotocols: [String] = [], origin: String? = nil, path: String,
        query: String? = nil, headers: HTTPHeaders = HTTPHeaders()
    ) {
        self.key = key
        self.subprotocols = subprotocols
        self.origin = origin
        self.path = path
        self.query = query
        self.headers = headers
    }
}

/// Why an upgrade request was refused, answered before any upgrade as JSON
/// (protocol.md §1).
public enum UpgradeError: Error, Sendable, Hashable {
    /// Not a valid opening handshake (400); `reason` names the header at fault.
    case badRequest(reason: String)
    /// `Sec-WebSocket-Version` was not 13 (426, RFC 6455 §4.4).
    case unsupportedVersion(offered: String)

    public var status: Int {
        switch self {
        case .badRequest: return 400
        case .unsupportedVersion: return 426
        }
    }

    public var errorCode: String {
        switch self {
        case .badRequest: return "bad_request"
        case .unsupportedVersion: return "unsupported_version"
        }
    }

    public var message: String {
        switch self {
        case .badRequest(let reason): return reason
        case .unsupportedVersion(let offered):
            return "WebSocket version \"\(offered)\" is not supported; use 13"
        }
    }

    /// The JSON answer; 426 names the version we speak so the client can retry.
    public func response() -> HTTPResponse {
        switch self {
        case .badRequest:
            return HTTPResponse.json(status: status, error: errorCode, message: message)
        case .unsupportedVersion:
            return HTTPResponse.json(
                status: status, error: errorCode, message: message,
                extraHeaders: [("Sec-WebSocket-Version", WebSocketHandshake.version)])
        }
    }
}
