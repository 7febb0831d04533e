import Foundation
import WebSocket

/// The server's answer to the upgrade request, read from the first bytes of
/// plaintext: a 101, or a refusal with its status and JSON error body.
public struct UpgradeAnswer: Sendable, Equatable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]
    /// Bytes after the answer (the first WebSocket frames may ride along).
    public let rest: [UInt8]

    public enum Parse: Sendable, Equatable {
        case incomplete
        case complete(UpgradeAnswer)
        case malformed(String)
    }

    /// Parses `bytes` once they hold a complete head (and, for a refusal, its
    /// Content-Length body). Header names are lower-cased.
    public static func parse(_ bytes: [UInt8], maxHeadBytes: Int = 16384) -> Parse {
        guard let head = HTTPResponseHead(bytes) else {
            return bytes.count > maxHeadBytes ? .malformed("the HTTP answer head is larger than \(maxHeadBytes) bytes") : .incomplete
        }
        guard head.version.hasPrefix("HTTP/1."), let status = head.status else {
            return .malformed("not an HTTP answer: \(String(head.text.prefix(60)))")
        }
        var headers: [String: String] = [:]
        for (name, value) in head.fields { headers[name.lowercased()] = value }
        let end = head.bodyStart
        guard let length = status == 101 ? 0 : head.contentLength else {
            return .malformed("the HTTP answer's Content-Length is not a number: \(headers["content-length"] ?? "")")
        }
        guard bytes.count >= end + length else { return .incomplete }
        return .complete(UpgradeAnswer(status: status, headers: headers, body: Array(bytes[end..<(end + length)]),
                                       rest: Array(bytes[(end + length)...])))
    }

    /// "403 forbidden (token role may not subscribe)" from the JSON body
    /// `{"error":...,"message":...}`, or the raw body when it is not that shape.
    public var refusalDescription: String {
        let text = String(decoding: body, as: UTF8.self)
        let error = Self.stringField("error", in: text)
        let message = Self.stringField("message", in: text)
        switch (error, message) {
        case let (error?, message?): return "\(status) \(error) (\(message))"
        case let (error?, nil): return "\(status) \(error)"
        default: return text.isEmpty ? "\(status)" : "\(status) \(text.prefix(200))"
        }
    }

    /// A top-level string field of a small flat JSON object (escapes kept as sent).
    static func stringField(_ name: String, in text: String) -> String? {
        guard let range = text.range(of: "\"\(name)\":") else { return nil }
        var rest = text[range.upperBound...].drop { $0 == " " }
        guard rest.first == "\"" else { return nil }
        rest = rest.dropFirst()
        var value = ""
        var escaped = false
        for c in rest {
            if escaped { value.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "\"" { return value }
            value.append(c)
        }
        return nil
    }
}
