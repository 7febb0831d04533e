/// The head of an HTTP/1.1 response as a client reads it (the upgrade answer,
/// or the answer to a plain request): the counterpart of `HTTPResponse`, which
/// the server writes. Lenient like the clients that read it: a field without a
/// colon is skipped, and what the status line lacks is left for the caller to
/// judge.
public struct HTTPResponseHead: Sendable {
    /// The status line's first word, such as "HTTP/1.1" ("" when it is empty).
    public let version: String
    /// The status code, nil when the status line's second word is not a number.
    public let status: Int?
    /// Header fields in order: names as sent, values without leading blanks.
    public let fields: [(String, String)]
    /// Where the body starts: the length of the head and its blank line.
    public let bodyStart: Int
    /// The head before its blank line, as text.
    public let text: String

    /// nil until `bytes` hold the blank line that ends the head.
    public init?(_ bytes: [UInt8]) {
        guard let end = bytes.firstRange(of: [13, 10, 13, 10] as [UInt8]) else { return nil }
        text = String(decoding: bytes[..<end.lowerBound], as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        version = statusLine.first.map(String.init) ?? ""
        status = statusLine.count >= 2 ? Int(statusLine[1]) : nil
        fields = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            return (String(line[..<colon]), String(value))
        }
        bodyStart = end.upperBound
    }

    /// The body's length from Content-Length: 0 when there is none, nil
    /// when it is not a plain decimal number (RFC 9110 §8.6: 1*DIGIT). A
    /// peer's "-1" or "1e3" must never reach the slicing of a buffer.
    public var contentLength: Int? {
        guard let value = field("content-length") else { return 0 }
        let digits = value.utf8.reversed().drop { $0 == 0x20 || $0 == 0x09 }
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return digits.reversed().reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// The first field called `name`, compared without case.
    public func field(_ name: String) -> String? {
        fields.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}
