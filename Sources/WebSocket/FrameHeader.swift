/// A frame header (RFC 6455 §5.2) once the reader has accepted it, plus how
/// much of its payload has been taken so far, so a payload can be consumed in
/// pieces as bytes arrive.
struct FrameHeader: Sendable, Hashable {
    var opcode: Opcode
    var fin: Bool
    var mask: MaskingKey?
    var payloadLength: Int
    /// RSV1 on a message's first frame: the message is compressed (RFC 7692 §6).
    var compressed = false
    var payloadConsumed: Int = 0

    var payloadRemaining: Int { payloadLength - payloadConsumed }
}

/// The outcome of looking at the front of the reader's buffer for a header.
enum FrameHeaderParse {
    case needMore
    case failed(CloseCode, String)
    case header(FrameHeader, length: Int)
}

extension FrameHeader {
    /// Reads and checks a header at the start of `bytes`.
    ///
    /// Every rule that the first two bytes decide is enforced as soon as two
    /// bytes are present, and the message size limit as soon as the length
    /// field is complete, so a hostile header is refused before anything after
    /// it (mask, payload) is waited for or buffered.
    ///
    /// - Parameters:
    ///   - messageOpcode: the data opcode of the fragmented message in
    ///     progress, if any, to check continuation rules.
    ///   - messageBytes: payload bytes of that message so far.
    ///   - compression: permessage-deflate was negotiated, so RSV1 may mark
    ///     the first frame of a data message.
    ///   - messageCompressed: the message in progress is compressed; its
    ///     frames may then carry `compressedSlack` bytes over the limit (the
    ///     limit itself is enforced on the inflated bytes).
    static func parse(
        _ bytes: UnsafeRawBufferPointer, role: WebSocketReader.Role,
        messageOpcode: Opcode?, messageBytes: Int, maxMessageSize: Int,
        compression: Bool = false, messageCompressed: Bool = false
    ) -> FrameHeaderParse {
        guard bytes.count >= 2 else { return .needMore }
        let first = bytes[0]
        let second = bytes[1]
        let fin = first & 0x80 != 0
        let masked = second & 0x80 != 0
        let shortLength = Int(second & 0x7F)

        // RSV2 and RSV3 mean nothing here, and RSV1 only with permessage-deflate (§5.2).
        if first & 0x30 != 0 {
            return .failed(.protocolError, "reserved bits RSV2/RSV3 set")
        }
        guard let opcode = Opcode(rawValue: first & 0x0F) else {
            return .failed(.protocolError, "reserved opcode \(first & 0x0F)")
        }
        let rsv1 = first & 0x40 != 0
        if rsv1 {
            if !compression { return .failed(.protocolError, "RSV1 set with no extension negotiated") }
            // RFC 7692 §6.1: only the first frame of a data message carries it.
            if opcode.isControl { return .failed(.protocolError, "RSV1 set on a \(opcode) frame") }
            if opcode == .continuation { return .failed(.protocolError, "RSV1 set on a continuation frame") }
        }
        // §5.1: clients mask every frame, servers never do.
        switch role {
        case .server where !masked:
            return .failed(.protocolError, "unmasked frame from client")
        case .client where masked:
            return .failed(.protocolError, "masked frame from server")
        default:
            break
        }
        if opcode.isControl {
            // §5.5: control frames are never fragmented and carry at most 125 bytes.
            if !fin { return .failed(.protocolError, "fragmented \(opcode) frame") }
            if shortLength > 125 {
                return .failed(.protocolError, "\(opcode) payload over 125 bytes")
            }
            // §5.5.1: a close body is empty or starts with a two-byte code.
            if opcode == .close && shortLength == 1 {
                return .failed(.protocolError, "close payload of one byte")
            }
        } else if opcode == .continuation {
            if messageOpcode == nil {
                return .failed(.protocolError, "continuation frame with no message in progress")
            }
        } else if messageOpcode != nil {
            return .failed(.protocolError, "new \(opcode) message before the previous one finished")
        }

        // Length: 7 bits, or 126 + 16 bits, or 127 + 64 bits, all big-endian.
        // Non-minimal encodings are tolerated, as most servers and Autobahn do.
        var offset = 2
        var payloadLength = shortLength
        if shortLength == 126 {
            guard bytes.count >= 4 else { return .needMore }
            payloadLength = Int(UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
            offset = 4
        } else if shortLength == 127 {
            guard bytes.count >= 10 else { return .needMore }
            let length = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt64.self))
            if length & (1 << 63) != 0 {
                return .failed(.protocolError, "64-bit payload length with the top bit set")
            }
            // Anything past Int.max is also past any sane message limit.
            payloadLength = length > UInt64(Int.max) ? Int.max : Int(length)
            offset = 10
        }
        let compressed = rsv1 || (opcode == .continuation && messageCompressed)
        let limit = compressed ? maxMessageSize + compressedSlack : maxMessageSize
        if !opcode.isControl && payloadLength > limit - messageBytes {
            return .failed(
                .messageTooBig,
                "frame of \(payloadLength) bytes after \(messageBytes) would exceed the \(limit)-byte message limit"
            )
        }

        var mask: MaskingKey?
        if masked {
            guard bytes.count >= offset + 4 else { return .needMore }
            mask = MaskingKey(loadingFrom: bytes.baseAddress! + offset)
            offset += 4
        }
        let header = FrameHeader(opcode: opcode, fin: fin, mask: mask, payloadLength: payloadLength, compressed: rsv1)
        return .header(header, length: offset)
    }

    /// Compressed bytes a message may carry beyond the message limit: DEFLATE
    /// makes incompressible data a little larger (5 bytes per 16 KiB block).
    static let compressedSlack = 1024
}
