/// Parses a complete request head (request line and header lines, ending with
/// the empty line) into a request and its body length.
///
/// Each rule below closes a known request-smuggling or confusion vector of
/// RFC 9112: a proxy in front of streamd must never read a different request
/// from the same bytes.
struct HTTPHeadParser {
    let limits: HTTPLimits

    func parse(_ head: [UInt8]) -> Result<(HTTPRequest, contentLength: Int), HTTPParseError> {
        do {
            var lines = try splitLines(head)[...]
            // §2.2: ignore empty lines received before the request line.
            while lines.first?.isEmpty == true { lines.removeFirst() }
            guard let requestLine = lines.popFirst() else {
                throw HTTPParseError.malformed(reason: "empty request")
            }
            var request = try parseRequestLine(head[requestLine])
            for line in lines where !line.isEmpty {
                if request.headers.count == limits.maxHeaderCount {
                    throw HTTPParseError.tooManyHeaders
                }
                let field = try parseField(head[line])
                request.headers.add(name: field.name, value: field.value)
            }
            try checkHost(request)
            let contentLength = try bodyLength(request.headers)
            return .success((request, contentLength))
        } catch let error as HTTPParseError {
            return .failure(error)
        } catch {
            return .failure(.malformed(reason: "\(error)"))
        }
    }

    /// Line ranges without their CRLF (or bare LF). A CR anywhere else is
    /// refused (§2.2): some parsers treat it as a line end, some do not.
    private func splitLines(_ head: [UInt8]) throws -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = 0
        for index in head.indices {
            switch head[index] {
            case HTTPSyntax.lf:
                let end = index > start && head[index - 1] == HTTPSyntax.cr ? index - 1 : index
                lines.append(start..<end)
                start = index + 1
            case HTTPSyntax.cr:
                if index + 1 >= head.count || head[index + 1] != HTTPSyntax.lf {
                    throw HTTPParseError.malformed(reason: "bare CR in request head")
                }
            default:
                break
            }
        }
        return lines
    }

    /// request-line = method SP request-target SP HTTP-version (§3), single spaces.
    private func parseRequestLine(_ line: ArraySlice<UInt8>) throws -> HTTPRequest {
        let parts = line.split(separator: HTTPSyntax.space, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw HTTPParseError.malformed(reason: "request line is not 'METHOD /target HTTP/1.1'")
        }
        let (method, target, version) = (parts[0], parts[1], parts[2])
        guard HTTPSyntax.isToken(method) else {
            throw HTTPParseError.malformed(reason: "method is not a token")
        }
        // Origin-form only: absolute-form is for proxies, and we are not one.
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPParseError.malformed(reason: "request target must be a path starting with '/'")
        }
        let versionMinor = try parseVersion(version)
        return HTTPRequest(
            method: String(decoding: method, as: UTF8.self),
            target: String(decoding: target, as: UTF8.self),
            versionMinor: versionMinor)
    }

    /// HTTP-version = "HTTP/" DIGIT "." DIGIT; well-formed but not 1.0/1.1 is 505.
    private func parseVersion(_ version: ArraySlice<UInt8>) throws -> Int {
        let bytes = Array(version)
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard bytes.count == 8, bytes[0..<5].elementsEqual("HTTP/".utf8), isDigit(bytes[5]),
            bytes[6] == UInt8(ascii: "."), isDigit(bytes[7])
        else {
            throw HTTPParseError.malformed(reason: "bad HTTP version")
        }
        let major = Int(bytes[5] - UInt8(ascii: "0"))
        let minor = Int(bytes[7] - UInt8(ascii: "0"))
        guard major == 1, minor <= 1 else { throw HTTPParseError.unsupportedVersion }
        return minor
    }

    /// field-line = field-name ":" OWS field-value OWS (§5).
    private func parseField(_ line: ArraySlice<UInt8>) throws -> HTTPHeaders.Field {
        if let first = line.first, HTTPSyntax.isWhitespace(first) {
            throw HTTPParseError.malformed(reason: "obsolete line folding in headers")
        }
        guard let colon = line.firstIndex(of: HTTPSyntax.colon) else {
            throw HTTPParseError.malformed(reason: "header line without a colon")
        }
        let name = line[line.startIndex..<colon]
        if let last = name.last, HTTPSyntax.isWhitespace(last) {
            throw HTTPParseError.malformed(reason: "whitespace between header name and colon")
        }
        guard HTTPSyntax.isToken(name) else {
            throw HTTPParseError.malformed(reason: "invalid header name")
        }
        var value = line[(colon + 1)...]
        while let first = value.first, HTTPSyntax.isWhitespace(first) { value.removeFirst() }
        while let last = value.last, HTTPSyntax.isWhitespace(last) { value.removeLast() }
        guard value.allSatisfy(HTTPSyntax.isFieldValueByte) else {
            throw HTTPParseError.malformed(reason: "control character in header value")
        }
        return HTTPHeaders.Field(
            name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
    }

    /// RFC 9112 §3.2: HTTP/1.1 needs exactly one Host; no version may send two.
    private func checkHost(_ request: HTTPRequest) throws {
        let hosts = request.headers.values("Host")
        if hosts.count > 1 { throw HTTPParseError.malformed(reason: "more than one Host header") }
        if hosts.isEmpty && request.versionMinor == 1 {
            throw HTTPParseError.malformed(reason: "missing Host header")
        }
    }

    /// §6.3: the body length, refusing every ambiguous combination.
    private func bodyLength(_ headers: HTTPHeaders) throws -> Int {
        let lengths = headers.values("Content-Length")
        if !headers.values("Transfer-Encoding").isEmpty {
            if !lengths.isEmpty {
                throw HTTPParseError.malformed(reason: "both Content-Length and Transfer-Encoding")
            }
            throw HTTPParseError.unsupportedTransferEncoding
        }
        var length: Int?
        // Repeats and lists are allowed only if every element is the same number.
        for value in lengths {
            let elements = value.split(separator: ",", omittingEmptySubsequences: false)
            for element in elements {
                let digits = HTTPSyntax.trimmed(element.utf8)
                guard !digits.isEmpty,
                    digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
                else {
                    throw HTTPParseError.malformed(reason: "Content-Length is not a number")
                }
                // Leading zeros dropped first so a long but small number is not "too large".
                let significant = digits.drop { $0 == UInt8(ascii: "0") }
                let number = significant.count > 18 ? Int.max : Int(Substring(significant)) ?? 0
                if let length, length != number {
                    throw HTTPParseError.malformed(reason: "conflicting Content-Length values")
                }
                length = number
            }
        }
        let result = length ?? 0
        if result > limits.maxBodyBytes { throw HTTPParseError.bodyTooLarge }
        return result
    }
}
