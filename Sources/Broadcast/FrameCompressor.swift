import Base
import Synchronization
import WebSocket

/// One compressed variant of a message's frame (RFC 7692, no context taken
/// over, so the same bytes serve every recipient that agreed on the window).
public final class CompressedFrame: Sendable {
    /// The frame with RSV1 set and a compressed payload; nil when compressing
    /// would not make it smaller (or it is under the size threshold): the
    /// plain frame is sent instead, which RFC 7692 §6 allows per message.
    public let bytes: [UInt8]?

    init(bytes: [UInt8]?) { self.bytes = bytes }
}

/// Compresses stream messages for permessage-deflate, at most once per
/// message and window size wherever the message is fanned out (every loop,
/// replay from history). One per thread that compresses: a loop, or the
/// broadcaster under its lock; its zlib streams are not shared.
public final class FrameCompressor: @unchecked Sendable {  // confined to its owner's thread
    public let level: Int
    /// Payloads smaller than this are not compressed (`compression.min_bytes`).
    public let minBytes: Int
    private var deflaters: [Int: MessageDeflater] = [:]
    /// Called after each compression with the payload bytes in and out.
    private let observe: @Sendable (_ input: Int, _ output: Int) -> Void

    public init(level: Int, minBytes: Int, observe: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) {
        self.level = level
        self.minBytes = minBytes
        self.observe = observe
    }

    /// The frame to send `message` with to a peer that agreed on `windowBits`.
    public func frame(for message: StreamMessage, windowBits: Int) -> [UInt8] {
        message.compressed(windowBits: windowBits, using: self).bytes ?? message.frame
    }

    /// Makes the variant now (the broadcaster does, before the message reaches
    /// the loops, when some session uses compression).
    public func prepare(_ message: StreamMessage, windowBits: Int = 15) {
        _ = message.compressed(windowBits: windowBits, using: self)
    }

    func compress(_ frame: [UInt8], windowBits: Int) -> CompressedFrame {
        // Server frames are unmasked: the payload follows a 2, 4 or 10 byte header.
        let headerLength = frame[1] & 0x7F == 127 ? 10 : frame[1] & 0x7F == 126 ? 4 : 2
        let payloadCount = frame.count - headerLength
        guard payloadCount >= minBytes else { return CompressedFrame(bytes: nil) }
        if deflaters[windowBits] == nil { deflaters[windowBits] = MessageDeflater(windowBits: windowBits, level: level) }
        guard let deflater = deflaters[windowBits] else { return CompressedFrame(bytes: nil) }
        let compressed = frame.withUnsafeBytes { deflater.compress(UnsafeRawBufferPointer(rebasing: $0[headerLength...])) }
        observe(payloadCount, compressed.count)
        guard compressed.count + FrameEncoder.headerLength(payloadLength: compressed.count, masked: false) < frame.count else {
            return CompressedFrame(bytes: nil)
        }
        var bytes = FrameEncoder.frame(opcode: Opcode(rawValue: frame[0] & 0x0F) ?? .text, payload: compressed)
        bytes[0] |= 0x40  // RSV1: this message is compressed
        return CompressedFrame(bytes: bytes)
    }
}

/// The compressed variants of one message, made on first need.
final class CompressedVariants: @unchecked Sendable {  // `others` only under the message's stripe lock
    /// The usual window (15 bits): read without a lock once made.
    let standard = AtomicLazyReference<CompressedFrame>()
    /// Other windows (a client that asked for a smaller one), made one at a time.
    var others: [Int: CompressedFrame] = [:]

    /// Making a variant takes one of a few shared locks, chosen by the
    /// message, so no window size is compressed twice and no message
    /// carries a lock of its own (it would cost two allocations per publish).
    static let stripes = (0..<16).map { _ in Lock(()) }
    var stripe: Lock<Void> { CompressedVariants.stripes[Int((UInt(bitPattern: ObjectIdentifier(self)) >> 4) & 15)] }
}

extension StreamMessage {
    func compressed(windowBits: Int, using compressor: FrameCompressor) -> CompressedFrame {
        if windowBits == 15, let made = variants.standard.load() { return made }
        return variants.stripe.withLock { _ in
            if windowBits == 15 {
                if let made = variants.standard.load() { return made }
                return variants.standard.storeIfNil(compressor.compress(frame, windowBits: 15))
            }
            if let made = variants.others[windowBits] { return made }
            let made = compressor.compress(frame, windowBits: windowBits)
            variants.others[windowBits] = made
            return made
        }
    }
}
