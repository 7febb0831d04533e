import WebSocket

/// Bytes written the way the RFC prints them: "81 85 37 fa".
func hex(_ text: String) -> [UInt8] {
    text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! }
}

func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The masking key the RFC uses in §5.7.
let rfcMaskKey: UInt32 = 0x37FA_213D

/// Feeds `bytes` in chunks of `chunkSize` (all at once when nil), draining
/// events after every chunk, the way a connection would.
func readEvents(
    _ bytes: [UInt8], role: WebSocketReader.Role = .server, maxMessageSize: Int = 65536,
    chunkSize: Int? = nil
) -> [WebSocketEvent] {
    var reader = WebSocketReader(role: role, maxMessageSize: maxMessageSize)
    var events: [WebSocketEvent] = []
    let size = max(1, chunkSize ?? bytes.count)
    var start = 0
    repeat {
        let end = min(bytes.count, start + size)
        reader.append(Array(bytes[start..<end]))
        while let event = reader.nextEvent() { events.append(event) }
        start = end
    } while start < bytes.count
    return events
}

/// A frame as a client sends it: masked with the RFC key.
func clientFrame(_ opcode: Opcode, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
    FrameEncoder.frame(opcode: opcode, payload: payload, fin: fin, maskKey: rfcMaskKey)
}

/// A hand-built header with any bits the encoder would refuse to set:
/// reserved bits, reserved opcodes, lengths that lie.
func rawFrame(
    _ firstByte: UInt8, masked: Bool = true, payload: [UInt8] = []
) -> [UInt8] {
    var frame = FrameEncoder.frame(
        opcode: .binary, payload: payload, maskKey: masked ? rfcMaskKey : nil)
    frame[0] = firstByte
    return frame
}

extension WebSocketEvent {
    /// The close code of a failure, for compact assertions.
    var failureCode: CloseCode? {
        if case .failure(let code, _) = self { return code }
        return nil
    }
}
