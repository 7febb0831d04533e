/// Why a request was refused before it reached any handler. Each case maps to
/// the status the server answers with before closing the connection: after a
/// framing error the next request's start cannot be trusted.
public enum HTTPParseError: Error, Sendable, Hashable {
    /// Request line plus headers exceed `HTTPLimits.maxHeaderBytes` (431).
    case headersTooLarge
    /// More header lines than `HTTPLimits.maxHeaderCount` (431).
    case tooManyHeaders
    /// Content-Length over `HTTPLimits.maxBodyBytes` (413).
    case bodyTooLarge
    /// Any Transfer-Encoding, chunked included: not needed, so not parsed (501).
    case unsupportedTransferEncoding
    /// A well-formed version other than HTTP/1.0 or HTTP/1.1 (505).
    case unsupportedVersion
    /// Anything RFC 9112 forbids (400); `reason` says what, for logs and the client.
    case malformed(reason: String)

    public var status: Int {
        switch self {
        case .headersTooLarge, .tooManyHeaders: return 431
        case .bodyTooLarge: return 413
        case .unsupportedTransferEncoding: return 501
        case .unsupportedVersion: return 505
        case .malformed: return 400
        }
    }

    /// The machine-readable `error` code of the JSON answer: the one map the
    /// server answers with (docs/protocol.md lists them).
    public var errorCode: String {
        switch self {
        case .headersTooLarge, .tooManyHeaders: return "headers_too_large"
        case .bodyTooLarge: return "body_too_large"
        case .unsupportedTransferEncoding: return "not_implemented"
        case .unsupportedVersion: return "unsupported_version"
        case .malformed: return "bad_request"
        }
    }

    public var message: String {
        switch self {
        case .headersTooLarge: return "request line and headers exceed the size limit"
        case .tooManyHeaders: return "too many header fields"
        case .bodyTooLarge: return "request body exceeds the size limit"
        case .unsupportedTransferEncoding: return "Transfer-Encoding is not supported; send Content-Length"
        case .unsupportedVersion: return "only HTTP/1.0 and HTTP/1.1 are supported"
        case .malformed(let reason): return "malformed request: \(reason)"
        }
    }

    /// The JSON answer, with `Connection: close`.
    public func response() -> HTTPResponse {
        HTTPResponse.json(status: status, error: errorCode, message: message, closeConnection: true)
    }
}

/// The outcome of feeding one chunk to `HTTPRequestParser`.
public enum HTTPParseResult: Sendable, Hashable {
    /// The chunk was consumed entirely; the request is not complete yet.
    case needMore
    /// A whole request. Bytes of the chunk after `bytesConsumedFromThisChunk`
    /// belong to whatever follows (WebSocket frames after an upgrade, or the
    /// next pipelined request).
    case complete(HTTPRequest, bytesConsumedFromThisChunk: Int)
    /// The request is refused; the parser keeps returning this error.
    case failed(HTTPParseError)
}
