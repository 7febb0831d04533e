// The HTTP request parser: any bytes, delivered in two pieces as a socket
// would, then whatever follows a complete request (keep-alive).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var parser = HTTPRequestParser(limits: HTTPLimits(maxHeaderBytes: 2048, maxHeaderCount: 32, maxBodyBytes: 4096))
    var rest = ArraySlice(bytes)
    let split = rest.startIndex + rest.count / 3
    var pieces = [Array(rest[..<split]), Array(rest[split...])]
    rest = []
    while !pieces.isEmpty {
        let piece = pieces.removeFirst()
        switch parser.parse(piece) {
        case .complete(let request, let consumed):
            _ = WebSocketHandshake.validate(request)
            if consumed < piece.count { pieces.insert(Array(piece[consumed...]), at: 0) }
        case .failed:
            return 0
        case .needMore:
            continue
        }
    }
    return 0
}
