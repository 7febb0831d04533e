/// Shared by the frame reader targets: the first byte chooses compression
/// and the piece size, the rest is the stream. Invariants: no event after
/// a failure or a close, and no message over the limit.
func fuzzFrameReader(_ input: UnsafeBufferPointer<UInt8>, role: WebSocketReader.Role) {
    guard let first = input.first else { return }
    let limit = 4096
    var reader = WebSocketReader(role: role, maxMessageSize: limit)
    if first & 1 == 1 { reader.enableCompression(windowBits: 8 + Int(first >> 1) % 8, noContextTakeover: first & 2 == 0) }
    let piece = 1 + Int(first >> 4) * 7
    var offset = 1
    var ended = false
    while offset < input.count {
        let end = min(input.count, offset + piece)
        reader.append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: input[offset..<end])))
        offset = end
        while let event = reader.nextEvent() {
            precondition(!ended, "an event after the stream ended")
            switch event {
            case .text(let bytes), .binary(let bytes): precondition(bytes.count <= limit, "a message over the limit")
            case .failure, .close: ended = true
            default: break
            }
        }
        reader.releaseIdleMemory()
    }
}
