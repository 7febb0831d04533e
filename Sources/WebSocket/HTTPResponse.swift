import TextFormat
/// An HTTP/1.1 response: the upgrade answer, refusals before the upgrade, and
/// the plain endpoints (health, metrics, publish).
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Extra header fields in order. `Content-Length` is computed from `body`
    /// and any given one is ignored, so the length can never disagree.
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Adds `Connection: close`; for answers after which the server hangs up
    /// (refusals), so the client does not send another request into the void.
    public var closeConnection: Bool

    public init(
        status: Int, headers: [(String, String)] = [], body: [UInt8] = [],
        closeConnection: Bool = false
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.closeConnection = closeConnection
    }

    public var reason: String { Self.reasonPhrase(for: status) }

    /// RFC 9110 §15 phrases for the statuses streamd sends.
    public static func reasonPhrase(for status: Int) -> String {
        switch status {
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 426: return "Upgrade Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default:
            switch status / 100 {
            case 1: return "Informational"
            case 2: return "Success"
            case 3: return "Redirection"
            case 4: return "Client Error"
            default: return "Server Error"
            }
        }
    }

    /// The bytes on the wire: status line, headers, `Content-Length` (except
    /// where RFC 9110 §8.6 forbids it: 1xx and 204), empty line, body.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + headers.count * 48 + body.count)
        appendASCII("HTTP/1.1 \(status) \(reason)\r\n", to: &out)
        let hasLength = !(100..<200).contains(status) && status != 204
        for (name, value) in headers {
            if HTTPSyntax.equalsIgnoringCase(name.utf8, "Content-Length".utf8) { continue }
            if closeConnection && HTTPSyntax.equalsIgnoringCase(name.utf8, "Connection".utf8) { continue }
            appendField(name, value, to: &out)
        }
        if closeConnection { appendField("Connection", "close", to: &out) }
        if hasLength { appendField("Content-Length", String(body.count), to: &out) }
        out.append(HTTPSyntax.cr)
        out.append(HTTPSyntax.lf)
        out.append(contentsOf: body)
        return out
    }

    /// A JSON refusal as protocol.md §1 specifies:
    /// `{"error":"<code>","message":"<human text>"}`, never cached.
    public static func json(
        status: Int, error: String, message: String, extraHeaders: [(String, String)] = [],
        closeConnection: Bool = false
    ) -> HTTPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(32 + error.utf8.count + message.utf8.count)
        body.append(contentsOf: #"{"error":"#.utf8)
        JSONStringEscaper.appendQuoted(error, to: &body)
        body.append(contentsOf: #","message":"#.utf8)
        JSONStringEscaper.appendQuoted(message, to: &body)
        body.append(UInt8(ascii: "}"))
        let headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")] + extraHeaders
        return HTTPResponse(status: status, headers: headers, body: body, closeConnection: closeConnection)
    }

    private func appendASCII(_ text: String, to out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    /// Control characters become spaces: a CR or LF smuggled into a header
    /// value (say, an echoed subprotocol) must not start a new header or body.
    private func appendField(_ name: String, _ value: String, to out: inout [UInt8]) {
        for byte in name.utf8 { out.append(HTTPSyntax.isTokenByte(byte) ? byte : UInt8(ascii: "_")) }
        out.append(HTTPSyntax.colon)
        out.append(HTTPSyntax.space)
        for byte in value.utf8 { out.append(HTTPSyntax.isFieldValueByte(byte) ? byte : HTTPSyntax.space) }
        out.append(HTTPSyntax.cr)
        out.append(HTTPSyntax.lf)
    }
}
