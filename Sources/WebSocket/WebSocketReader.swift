/// Turns the bytes of one WebSocket connection into whole messages and
/// control frames (RFC 6455 §5–§8): frame parser, fragment assembler and
/// incremental UTF-8 check in one value, with no I/O.
///
/// Feed it with `append(_:)`, then drain `nextEvent()` until it returns nil.
/// Payload bytes are unmasked into the message as they arrive, so the input
/// buffer never holds more than the unread tail of what was appended, and a
/// text message with bad UTF-8 fails in the fragment where it goes bad.
/// After a `.failure` or the peer's `.close`, `nextEvent()` returns nil for
/// good: §5.5.1 says nothing after a close frame counts, and a failed
/// connection has no trustworthy frame boundaries left.
public struct WebSocketReader: Sendable {
    /// Which side of the connection this reader serves; it decides which
    /// masking the peer must use (§5.1).
    public enum Role: Sendable, Hashable {
        /// Reads frames from a client, which must mask them.
        case server
        /// Reads frames from a server, which must not mask them.
        case client
    }

    public let role: Role
    /// Largest total payload of one data message; a frame header that would
    /// take a message past it fails the connection with 1009.
    public let maxMessageSize: Int

    /// Appended bytes; those before `inputStart` have been consumed.
    private var input: [UInt8] = []
    private var inputStart = 0
    /// The frame whose payload is being read; nil while waiting for a header.
    private var frame: FrameHeader?
    /// `.text` or `.binary` while a data message is being assembled.
    private var messageOpcode: Opcode?
    private var message: [UInt8] = []
    private var utf8 = UTF8Validator()
    /// permessage-deflate, once negotiated (`enableCompression`).
    private var compression: (windowBits: Int, noContextTakeover: Bool)?
    /// Made on the first compressed message; dropped when idle if no context is kept.
    private var inflater: MessageInflater?
    /// The message in progress is compressed; `compressedBytes` of it read so far.
    private var messageCompressed = false
    private var compressedBytes = 0
    /// One frame's unmasked compressed bytes, on their way to the inflater.
    private var compressedChunk: [UInt8] = []
    /// Set after a failure or a close: the stream is over.
    private var finished = false

    public init(role: Role, maxMessageSize: Int = 65536) {
        precondition(maxMessageSize >= 0, "negative maxMessageSize")
        self.role = role
        self.maxMessageSize = maxMessageSize
    }

    /// Accepts compressed messages (RSV1) from here on: the peer compresses
    /// with at most `windowBits` (8...15) and, when `noContextTakeover`,
    /// every message on its own, so nothing is kept between messages.
    public mutating func enableCompression(windowBits: Int, noContextTakeover: Bool) {
        precondition((8...15).contains(windowBits), "window bits are 8...15")
        compression = (windowBits, noContextTakeover)
    }

    /// The failure returned was a compressed message that could not be
    /// inflated (too large or corrupt), for the caller's metrics.
    public private(set) var failedInflating = false

    /// Whether an inflater (zlib state and window) is held right now.
    public var holdsInflater: Bool { inflater != nil }

    /// Bytes appended but not yet consumed (at most a partial header or
    /// control frame once `nextEvent()` has been drained).
    public var bufferedByteCount: Int { input.count - inputStart }

    /// True between the first and last fragment of a data message.
    public var isMessageInProgress: Bool { messageOpcode != nil }

    /// True once a failure or close has been returned.
    public var isFinished: Bool { finished }

    /// Adds bytes received from the peer. Consumed bytes are dropped first,
    /// so the buffer holds only what is still unread.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !finished, bytes.count > 0 else { return }
        if inputStart == input.count {
            input.removeAll(keepingCapacity: true)
        } else if inputStart > 0 {
            input.removeSubrange(0..<inputStart)
        }
        inputStart = 0
        input.append(contentsOf: bytes)
    }

    /// Convenience for callers holding an array.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Drops buffer capacity while the connection is idle, so thousands of
    /// quiet connections cost little. Keeps anything still unread.
    public mutating func releaseIdleMemory() {
        if inputStart == input.count {
            input = []
        } else if inputStart > 0 || input.capacity > input.count * 2 {
            input = Array(input[inputStart...])
        }
        inputStart = 0
        if messageOpcode == nil {
            message = []
            compressedChunk = []
            // Without context takeover nothing carries over: give zlib's memory back.
            if compression?.noContextTakeover == true { inflater = nil }
        }
    }

    /// The next complete event, or nil when more bytes are needed (or the
    /// stream has finished).
    public mutating func nextEvent() -> WebSocketEvent? {
        guard !finished else { return nil }
        while true {
            if frame == nil {
                let parsed = input.withUnsafeBytes { bytes in
                    FrameHeader.parse(
                        UnsafeRawBufferPointer(rebasing: bytes[inputStart...]), role: role,
                        messageOpcode: messageOpcode, messageBytes: messageCompressed ? compressedBytes : message.count,
                        maxMessageSize: maxMessageSize, compression: compression != nil, messageCompressed: messageCompressed)
                }
                switch parsed {
                case .needMore:
                    return nil
                case .failed(let code, let reason):
                    return fail(code, reason)
                case .header(let header, let length):
                    inputStart += length
                    frame = header
                    if header.opcode == .text || header.opcode == .binary {
                        if let failure = startMessage(header) { return failure }
                    }
                }
            }
            let header = frame!
            if header.opcode.isControl {
                // At most 125 bytes: wait for all of it, then act on it whole.
                guard bufferedByteCount >= header.payloadLength else { return nil }
                let payload = takeControlPayload(header)
                frame = nil
                return controlEvent(header.opcode, payload)
            }
            if let failure = consumeDataPayload() { return failure }
            guard frame!.payloadRemaining == 0 else { return nil }
            frame = nil
            if header.fin { return finishMessage() }
        }
    }

    // MARK: - Data frames

    /// Called once per message, on the header of its first frame.
    private mutating func startMessage(_ header: FrameHeader) -> WebSocketEvent? {
        messageOpcode = header.opcode
        if header.opcode == .text { utf8.reset() }
        messageCompressed = header.compressed
        compressedBytes = 0
        if header.compressed {
            if inflater == nil, let compression {
                inflater = MessageInflater(windowBits: compression.windowBits)
                if inflater == nil { return fail(.internalError, "could not set up inflate") }
            }
            return nil
        }
        if message.capacity < header.payloadLength {
            // Sized from the header, which already passed the size limit; a
            // single-frame message (the common case) then never reallocates.
            message.reserveCapacity(header.payloadLength)
        }
        return nil
    }

    /// Moves as much of the current data frame's payload as has arrived into
    /// the message, unmasked, and checks new text bytes as they land.
    private mutating func consumeDataPayload() -> WebSocketEvent? {
        if messageCompressed { return consumeCompressedPayload() }
        var header = frame!
        let count = min(bufferedByteCount, header.payloadRemaining)
        guard count > 0 else { return nil }
        let messageStart = message.count
        let start = inputStart
        input.withUnsafeBytes { bytes in
            message.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]))
        }
        message.withUnsafeMutableBytes { bytes in
            let chunk = bytes.baseAddress! + messageStart
            header.mask?.apply(from: chunk, to: chunk, count: count, payloadOffset: header.payloadConsumed)
        }
        inputStart += count
        header.payloadConsumed += count
        frame = header
        if messageOpcode == .text {
            let valid = message.withUnsafeBytes { bytes in
                utf8.validate(UnsafeRawBufferPointer(rebasing: bytes[messageStart...]))
            }
            if !valid { return fail(.invalidPayload, "text message is not valid UTF-8") }
        }
        return nil
    }

    /// A compressed message's bytes: unmasked, then inflated onto the message
    /// (never past `maxMessageSize`), and new text checked as it appears.
    private mutating func consumeCompressedPayload() -> WebSocketEvent? {
        var header = frame!
        let count = min(bufferedByteCount, header.payloadRemaining)
        guard count > 0 else { return nil }
        let start = inputStart
        compressedChunk.removeAll(keepingCapacity: true)
        input.withUnsafeBytes { bytes in
            compressedChunk.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]))
        }
        compressedChunk.withUnsafeMutableBytes { bytes in
            header.mask?.apply(from: bytes.baseAddress!, to: bytes.baseAddress!, count: count, payloadOffset: header.payloadConsumed)
        }
        inputStart += count
        header.payloadConsumed += count
        compressedBytes += count
        frame = header
        return inflate(isFinal: false)
    }

    /// Runs the inflater over `compressedChunk` (and, at the end of the
    /// message, the 00 00 ff ff its sender left out).
    private mutating func inflate(isFinal: Bool) -> WebSocketEvent? {
        let messageStart = message.count
        let failure = compressedChunk.withUnsafeBytes { chunk in
            inflater!.inflate(isFinal ? UnsafeRawBufferPointer(rebasing: chunk[0..<0]) : chunk, isFinal: isFinal,
                              into: &message, limit: maxMessageSize)
        }
        if failure != nil { failedInflating = true }
        switch failure {
        case .tooLarge?:
            return fail(.messageTooBig, "compressed message inflates past the \(maxMessageSize)-byte message limit")
        case .corrupt(let reason)?:
            return fail(.invalidPayload, "compressed message is not valid DEFLATE: \(reason)")
        case nil:
            break
        }
        if messageOpcode == .text, message.count > messageStart {
            let valid = message.withUnsafeBytes { bytes in
                utf8.validate(UnsafeRawBufferPointer(rebasing: bytes[messageStart...]))
            }
            if !valid { return fail(.invalidPayload, "text message is not valid UTF-8") }
        }
        return nil
    }

    /// Hands over a message whose final fragment has been read.
    private mutating func finishMessage() -> WebSocketEvent {
        if messageCompressed {
            if let failure = inflate(isFinal: true) { return failure }
            if compression?.noContextTakeover == true { inflater?.reset() }
            messageCompressed = false
        }
        let opcode = messageOpcode!
        if opcode == .text && !utf8.isComplete {
            return fail(.invalidPayload, "text message ends inside a UTF-8 sequence")
        }
        let payload = message
        message = []
        messageOpcode = nil
        return opcode == .text ? .text(payload) : .binary(payload)
    }

    // MARK: - Control frames

    private mutating func takeControlPayload(_ header: FrameHeader) -> [UInt8] {
        let count = header.payloadLength
        let start = inputStart
        inputStart += count
        guard count > 0 else { return [] }
        return input.withUnsafeBytes { bytes in
            [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
                let source = bytes.baseAddress! + start
                if let mask = header.mask {
                    mask.apply(from: source, to: out.baseAddress!, count: count, payloadOffset: 0)
                } else {
                    UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: source, byteCount: count)
                }
                initialized = count
            }
        }
    }

    private mutating func controlEvent(_ opcode: Opcode, _ payload: [UInt8]) -> WebSocketEvent {
        switch opcode {
        case .ping:
            return .ping(payload)
        case .pong:
            return .pong(payload)
        default:
            return closeEvent(payload)
        }
    }

    /// §5.5.1 and §7.4: an empty close, or a valid code plus a UTF-8 reason.
    private mutating func closeEvent(_ payload: [UInt8]) -> WebSocketEvent {
        guard payload.count >= 2 else {
            end()
            return .close(code: nil, reason: "")
        }
        let code = CloseCode(UInt16(payload[0]) << 8 | UInt16(payload[1]))
        guard code.isAllowedOnWire else {
            return fail(.protocolError, "close code \(code.rawValue) may not be sent")
        }
        var validator = UTF8Validator()
        let reasonIsValid = payload.withUnsafeBytes { bytes in
            validator.validate(UnsafeRawBufferPointer(rebasing: bytes[2...])) && validator.isComplete
        }
        guard reasonIsValid else {
            return fail(.invalidPayload, "close reason is not valid UTF-8")
        }
        end()
        return .close(code: code, reason: String(decoding: payload[2...], as: UTF8.self))
    }

    // MARK: - End of stream

    private mutating func fail(_ code: CloseCode, _ reason: String) -> WebSocketEvent {
        end()
        return .failure(code, reason)
    }

    /// Nothing after this point is read, so nothing needs to be kept.
    private mutating func end() {
        finished = true
        frame = nil
        messageOpcode = nil
        input = []
        inputStart = 0
        message = []
        inflater = nil
        compressedChunk = []
        messageCompressed = false
    }
}
