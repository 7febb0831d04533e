/// Writes RFC 6455 §5.2 frames.
///
/// Servers send unmasked frames; the client role passes a `maskKey` (whose
/// big-endian bytes go on the wire). The broadcaster frames a message once and
/// shares the bytes, so the primitives here write into caller-owned memory and
/// `appendFrame` batches several frames into one buffer for one TLS write.
public enum FrameEncoder {
    /// The largest header: 2 bytes, 8 bytes of 64-bit length, 4 bytes of mask.
    public static let maxHeaderLength = 14

    /// RFC 6455 §5.5: control frame payloads are at most 125 bytes.
    public static let maxControlPayloadLength = 125

    /// Bytes the header takes for a payload of this length (§5.2: lengths up
    /// to 125 fit in 7 bits, up to 65535 take 16 more bits, larger take 64).
    @inlinable
    public static func headerLength(payloadLength: Int, masked: Bool) -> Int {
        let lengthBytes = payloadLength <= 125 ? 0 : (payloadLength <= 0xFFFF ? 2 : 8)
        return 2 + lengthBytes + (masked ? 4 : 0)
    }

    /// Writes a frame header into `buffer` (which must hold at least
    /// `headerLength(payloadLength:masked:)` bytes) and returns its length.
    /// Uses the minimal length encoding, as §5.2 requires of senders.
    @discardableResult
    public static func writeHeader(
        opcode: Opcode, fin: Bool = true, payloadLength: Int, maskKey: UInt32? = nil,
        into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        precondition(payloadLength >= 0, "negative payload length")
        let length = headerLength(payloadLength: payloadLength, masked: maskKey != nil)
        precondition(buffer.count >= length, "header buffer too small")
        buffer[0] = (fin ? 0x80 : 0) | opcode.rawValue
        let maskBit: UInt8 = maskKey != nil ? 0x80 : 0
        var offset = 2
        if payloadLength <= 125 {
            buffer[1] = maskBit | UInt8(payloadLength)
        } else if payloadLength <= 0xFFFF {
            buffer[1] = maskBit | 126
            buffer.storeBytes(of: UInt16(payloadLength).bigEndian, toByteOffset: 2, as: UInt16.self)
            offset = 4
        } else {
            buffer[1] = maskBit | 127
            buffer.storeBytes(of: UInt64(payloadLength).bigEndian, toByteOffset: 2, as: UInt64.self)
            offset = 10
        }
        if let maskKey {
            buffer.storeBytes(of: maskKey.bigEndian, toByteOffset: offset, as: UInt32.self)
            offset += 4
        }
        return offset
    }

    /// Appends one frame to `buffer`; the way to batch frames for one write.
    public static func appendFrame(
        opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool = true,
        maskKey: UInt32? = nil, to buffer: inout [UInt8]
    ) {
        let headerLength = headerLength(payloadLength: payload.count, masked: maskKey != nil)
        let start = buffer.count
        buffer.reserveCapacity(start + headerLength + payload.count)
        withUnsafeTemporaryAllocation(byteCount: maxHeaderLength, alignment: 1) { header in
            let written = writeHeader(
                opcode: opcode, fin: fin, payloadLength: payload.count, maskKey: maskKey,
                into: header)
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: header[0..<written]))
        }
        buffer.append(contentsOf: payload)
        if let maskKey, payload.count > 0 {
            let payloadStart = start + headerLength
            buffer.withUnsafeMutableBytes { bytes in
                let pointer = bytes.baseAddress! + payloadStart
                MaskingKey(wireValue: maskKey).apply(
                    from: pointer, to: pointer, count: payload.count, payloadOffset: 0)
            }
        }
    }

    /// Appends one frame whose payload is any byte collection.
    public static func appendFrame(
        opcode: Opcode, payload: some Collection<UInt8>, fin: Bool = true,
        maskKey: UInt32? = nil, to buffer: inout [UInt8]
    ) {
        let done: Void? = payload.withContiguousStorageIfAvailable { contiguous in
            appendFrame(
                opcode: opcode, payload: UnsafeRawBufferPointer(contiguous), fin: fin,
                maskKey: maskKey, to: &buffer)
        }
        if done == nil {
            Array(payload).withUnsafeBytes { bytes in
                appendFrame(opcode: opcode, payload: bytes, fin: fin, maskKey: maskKey, to: &buffer)
            }
        }
    }

    /// One complete frame as a new array.
    public static func frame(
        opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool = true, maskKey: UInt32? = nil
    ) -> [UInt8] {
        var out: [UInt8] = []
        appendFrame(opcode: opcode, payload: payload, fin: fin, maskKey: maskKey, to: &out)
        return out
    }

    /// One complete frame as a new array, from any byte collection.
    public static func frame(
        opcode: Opcode, payload: some Collection<UInt8>, fin: Bool = true, maskKey: UInt32? = nil
    ) -> [UInt8] {
        var out: [UInt8] = []
        appendFrame(opcode: opcode, payload: payload, fin: fin, maskKey: maskKey, to: &out)
        return out
    }

    /// A close frame (§5.5.1). With `code == nil` the payload is empty and the
    /// reason is dropped, since a reason may only follow a code. The reason is
    /// cut to 123 bytes (125 minus the code) at a code point boundary, so the
    /// peer never sees invalid UTF-8 and fails us with 1007.
    public static func closeFrame(code: CloseCode?, reason: String = "", maskKey: UInt32? = nil)
        -> [UInt8]
    {
        var out: [UInt8] = []
        appendCloseFrame(code: code, reason: reason, maskKey: maskKey, to: &out)
        return out
    }

    /// Appends a close frame; see `closeFrame(code:reason:maskKey:)`.
    public static func appendCloseFrame(
        code: CloseCode?, reason: String = "", maskKey: UInt32? = nil, to buffer: inout [UInt8]
    ) {
        guard let code else {
            appendFrame(
                opcode: .close, payload: UnsafeRawBufferPointer(start: nil, count: 0),
                maskKey: maskKey, to: &buffer)
            return
        }
        var payload: [UInt8] = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)]
        let reasonBytes = Array(reason.utf8)
        let cut = utf8Prefix(reasonBytes, maxLength: maxControlPayloadLength - 2)
        payload.append(contentsOf: reasonBytes[0..<cut])
        payload.withUnsafeBytes { bytes in
            appendFrame(opcode: .close, payload: bytes, maskKey: maskKey, to: &buffer)
        }
    }

    /// The longest prefix of `bytes` (valid UTF-8) that is at most `maxLength`
    /// bytes and does not split a code point.
    static func utf8Prefix(_ bytes: [UInt8], maxLength: Int) -> Int {
        guard bytes.count > maxLength else { return bytes.count }
        var cut = maxLength
        // Step back over continuation bytes (10xxxxxx) to a lead byte, which
        // starts the code point that would have been split.
        while cut > 0 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        return cut
    }
}
