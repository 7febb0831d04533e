/// A parsed HTTP/1.x request: what the upgrade handshake and the plain HTTP
/// endpoints (health, metrics, publish) need to decide on an answer.
public struct HTTPRequest: Sendable, Hashable {
    public var method: String
    /// The request-target exactly as sent, in origin-form (`/path?query`).
    public var target: String
    /// The target up to the first `?`, still percent-encoded.
    public var path: String
    /// The target after the first `?`, or nil when there was no `?`.
    public var query: String?
    /// 0 for HTTP/1.0, 1 for HTTP/1.1; other versions are refused with 505.
    public var versionMinor: Int
    public var headers: HTTPHeaders
    /// The Content-Length body; empty when there was none.
    public var body: [UInt8]

    /// Builds a request by hand (tests, internal routing); `path` and `query`
    /// are derived from `target`.
    public init(
        method: String = "GET", target: String, versionMinor: Int = 1,
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            path = target
            query = nil
        }
        self.versionMinor = versionMinor
        self.headers = headers
        self.body = body
    }
}

/// Bounds on what one request may make the server hold in memory.
public struct HTTPLimits: Sendable, Hashable {
    /// Request line plus header lines, counted up to and including the empty
    /// line that ends them. protocol.md §1: over this, 431 and close.
    public var maxHeaderBytes: Int = 8192
    /// Header lines; more is 431.
    public var maxHeaderCount: Int = 64
    /// Content-Length bodies (publish requests); more is 413.
    public var maxBodyBytes: Int = 1 << 20

    public init(maxHeaderBytes: Int = 8192, maxHeaderCount: Int = 64, maxBodyBytes: Int = 1 << 20) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
