// The RESP reply reader (hiredis under RESPParser): any bytes, fed in two
// pieces, give replies or one protocol error and never a crash; and every
// command the client encodes reads back as the same array of bulk strings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parser = RESPParser()
    let split = size / 2
    do {
        try parser.feed(Array(bytes[..<split]))
        while try parser.next() != nil {}
        try parser.feed(Array(bytes[split...]))
        while try parser.next() != nil {}
    } catch {
        // A protocol error ends the connection; nothing more to check.
    }

    let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).prefix(64).map { Array($0) }
    let echo = RESPParser()
    do {
        try echo.feed(RESPCommand.encode(arguments))
        let reply = try echo.next()
        precondition(reply == .array(arguments.map { .bulk($0) }), "an encoded command did not read back as itself")
        let more = try echo.next()
        precondition(more == nil, "an encoded command read back as more than one reply")
    } catch {
        preconditionFailure("an encoded command was refused: \(error)")
    }
    return 0
}
