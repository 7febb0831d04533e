import WebSocket

/// One HTTP/1.1 request and its answer over a blocking TLS connection.
public struct HTTPAnswer: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

extension BlockingTLSConnection {
    /// Reads an HTTP response head and its Content-Length body from `buffer`
    /// (filling it from the connection as needed); consumed bytes are removed.
    public func readAnswer(buffer: inout [UInt8]) throws -> HTTPAnswer {
        while true {
            if let head = HTTPResponseHead(buffer) {
                guard let length = head.contentLength else {
                    throw ConnectionError("the HTTP answer's Content-Length is not a number: \(head.field("content-length") ?? "")")
                }
                while buffer.count < head.bodyStart + length {
                    guard try receive(into: &buffer) else { break }
                }
                let bodyEnd = min(buffer.count, head.bodyStart + length)
                let body = Array(buffer[head.bodyStart..<bodyEnd])
                buffer.removeSubrange(..<bodyEnd)
                return HTTPAnswer(status: head.status ?? 0, headers: head.fields, body: body)
            }
            guard try receive(into: &buffer) else { throw ConnectionError("connection closed before an HTTP answer") }
        }
    }

    /// Sends a request and reads its answer.
    public func exchange(method: String, path: String, host: String, headers: [(String, String)] = [],
                         body: [UInt8] = []) throws -> HTTPAnswer {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { request += "Content-Length: \(body.count)\r\n" }
        request += "\r\n"
        try send(Array(request.utf8) + body)
        var buffer: [UInt8] = []
        return try readAnswer(buffer: &buffer)
    }
}
