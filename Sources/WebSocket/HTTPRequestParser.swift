/// An incremental HTTP/1.1 request parser (RFC 9112), strict where leniency
/// lets a request mean different things to different parsers.
///
/// Feed it successive chunks with `parse(_:)`. It copies only the head
/// (request line and headers) and a Content-Length body, refuses a head the
/// moment it passes `HTTPLimits.maxHeaderBytes` without waiting for its end,
/// and refuses a body from its declared length before reading it.
/// After `.complete` the parser is ready for the next request; after
/// `.failed` it keeps failing until `reset()`.
public struct HTTPRequestParser: Sendable {
    public let limits: HTTPLimits

    private enum State: Sendable {
        case head
        case body
        case failed(HTTPParseError)
    }

    /// Where the scan for the empty line that ends the head stands, kept
    /// across chunks so each byte is looked at once.
    private enum LineScan: Sendable {
        case midLine
        case lineStart
        case lineStartAfterCR
    }

    private var state: State = .head
    private var head: [UInt8] = []
    private var scan: LineScan = .midLine
    /// The request whose body is being read, kept outside `state` so the
    /// body grows in place instead of being copied out of an enum per chunk.
    private var pending: HTTPRequest?
    private var bodyRemaining = 0

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Forgets everything, to parse a new request from scratch.
    public mutating func reset() {
        state = .head
        head = []
        scan = .midLine
        pending = nil
        bodyRemaining = 0
    }

    public mutating func parse(_ bytes: [UInt8]) -> HTTPParseResult {
        bytes.withUnsafeBytes { parse($0) }
    }

    public mutating func parse(_ bytes: UnsafeRawBufferPointer) -> HTTPParseResult {
        switch state {
        case .failed(let error):
            return .failed(error)
        case .body:
            let taken = min(bodyRemaining, bytes.count)
            pending!.body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<taken]))
            bodyRemaining -= taken
            guard bodyRemaining == 0 else { return .needMore }
            let request = pending!
            reset()
            return .complete(request, bytesConsumedFromThisChunk: taken)
        case .head:
            return parseHead(bytes)
        }
    }

    private mutating func parseHead(_ bytes: UnsafeRawBufferPointer) -> HTTPParseResult {
        // Look no further than the limit allows: a flood fails after
        // maxHeaderBytes, however large the chunk it arrived in.
        let allowed = max(0, limits.maxHeaderBytes - head.count)
        let window = UnsafeRawBufferPointer(rebasing: bytes[0..<min(bytes.count, allowed)])
        guard let headEnd = findEndOfHead(window) else {
            if window.count == allowed {
                // maxHeaderBytes bytes and still no empty line: the head can only be longer.
                return fail(.headersTooLarge)
            }
            head.append(contentsOf: bytes)
            return .needMore
        }
        head.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<headEnd]))

        let parsed = HTTPHeadParser(limits: limits).parse(head)
        head = []
        switch parsed {
        case .failure(let error):
            return fail(error)
        case .success(let (request, contentLength)):
            if contentLength == 0 {
                reset()
                return .complete(request, bytesConsumedFromThisChunk: headEnd)
            }
            var request = request
            request.body.reserveCapacity(contentLength)
            pending = request
            bodyRemaining = contentLength
            state = .body
            let rest = UnsafeRawBufferPointer(rebasing: bytes[headEnd...])
            switch parse(rest) {
            case .complete(let request, let bodyBytes):
                return .complete(request, bytesConsumedFromThisChunk: headEnd + bodyBytes)
            case let other:
                return other
            }
        }
    }

    /// The offset just past the empty line ending the head, if it is in
    /// `bytes`. Accepts CRLF and (tolerated, RFC 9112 §2.2) bare LF line ends;
    /// bare CRs are left for the line parser to refuse.
    private mutating func findEndOfHead(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let lf = HTTPSyntax.lf
        let cr = HTTPSyntax.cr
        for index in 0..<bytes.count {
            let byte = bytes[index]
            switch scan {
            case .midLine:
                if byte == lf { scan = .lineStart }
            case .lineStart:
                if byte == lf { return index + 1 }
                scan = byte == cr ? .lineStartAfterCR : .midLine
            case .lineStartAfterCR:
                if byte == lf { return index + 1 }
                scan = .midLine
            }
        }
        return nil
    }

    private mutating func fail(_ error: HTTPParseError) -> HTTPParseResult {
        state = .failed(error)
        head = []
        return .failed(error)
    }
}
