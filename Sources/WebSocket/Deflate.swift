internal import CZlib

/// Raw DEFLATE for permessage-deflate (RFC 7692 §7.2), one message at a
/// time: every message is a self-contained stream (no context taken over),
/// so one compressed frame serves every recipient with the same window.
/// Owns its z_stream; confined to one thread at a time (not Sendable).
public final class MessageDeflater: @unchecked Sendable {  // confined: one owner, one thread at a time
    public let windowBits: Int
    public let level: Int
    private var stream = z_stream()
    private var output: [UInt8] = []

    /// `windowBits` 9...15 (zlib cannot make raw streams for an 8-bit window).
    public init?(windowBits: Int, level: Int) {
        guard (9...15).contains(windowBits), (0...9).contains(level) else { return nil }
        self.windowBits = windowBits
        self.level = level
        guard streamd_deflate_init(&stream, Int32(level), -Int32(windowBits)) == Z_OK else { return nil }
    }

    deinit { deflateEnd(&stream) }

    /// The compressed payload of one message: its DEFLATE blocks ending in
    /// an empty stored block, with that block's final 4 bytes (00 00 ff ff)
    /// removed, as §7.2.1 says.
    public func compress(_ payload: UnsafeRawBufferPointer) -> [UInt8] {
        defer { deflateReset(&stream) }
        let bound = Int(deflateBound(&stream, uLong(payload.count))) + 16
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
        let produced: Int = output.withUnsafeMutableBytes { out in
            stream.next_in = UnsafeMutablePointer(mutating: payload.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(payload.count)
            stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(out.count)
            // Z_SYNC_FLUSH with all input and room for the bound always completes.
            let status = deflate(&stream, Z_SYNC_FLUSH)
            precondition(status == Z_OK || status == Z_BUF_ERROR, "deflate failed: \(status)")
            return out.count - Int(stream.avail_out)
        }
        precondition(produced >= 4 && output[(produced - 4)..<produced].elementsEqual([0, 0, 0xff, 0xff]),
                     "a sync flush ends in an empty stored block")
        return Array(output[..<(produced - 4)])
    }

    public func compress(_ payload: [UInt8]) -> [UInt8] {
        payload.withUnsafeBytes { compress($0) }
    }
}

/// Why a compressed message could not be inflated.
public enum InflateError: Error, Equatable, Sendable {
    /// It inflates to more than the limit (checked while inflating: never more is produced).
    case tooLarge
    /// Not a valid DEFLATE stream.
    case corrupt(String)
}

/// Raw INFLATE of one peer's compressed messages (RFC 7692 §7.2.2). With
/// context takeover the window carries from message to message; without,
/// `reset()` after each message. Confined to one thread at a time.
///
/// Memory: zlib allocates about 7 KiB of state at init and the 2^windowBits
/// window on first use (32 KiB at 15 bits).
public final class MessageInflater: @unchecked Sendable {  // confined: one reader, one thread at a time
    public let windowBits: Int
    private var stream = z_stream()
    /// The message's DEFLATE stream ended with a final block (BFINAL): what
    /// follows in the message (§7.2.3.4 shows a padding byte, and §7.2.2's
    /// 00 00 ff ff) is not DEFLATE data and is ignored.
    private var streamEnded = false

    /// `windowBits` 8...15.
    public init?(windowBits: Int) {
        guard (8...15).contains(windowBits) else { return nil }
        self.windowBits = windowBits
        guard streamd_inflate_init(&stream, -Int32(windowBits)) == Z_OK else { return nil }
    }

    deinit { inflateEnd(&stream) }

    private static let tail: [UInt8] = [0, 0, 0xff, 0xff]

    /// Inflates `input` (a piece of one message's compressed payload) onto
    /// the end of `output`, which may hold at most `limit` bytes in all. When
    /// `isFinal`, the 00 00 ff ff that the sender removed is put back and the
    /// message ends.
    public func inflate(_ input: UnsafeRawBufferPointer, isFinal: Bool, into output: inout [UInt8], limit: Int) -> InflateError? {
        if !streamEnded, let failure = run(input, into: &output, limit: limit) { return failure }
        guard isFinal else { return nil }
        defer { streamEnded = false }
        if streamEnded { return nil }
        return MessageInflater.tail.withUnsafeBytes { run($0, into: &output, limit: limit) }
    }

    /// Forgets the window: the next message is inflated on its own.
    public func reset() {
        inflateReset(&stream)
        streamEnded = false
    }

    private func run(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) -> InflateError? {
        guard input.count > 0 else { return nil }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        defer { stream.next_in = nil; stream.avail_in = 0 }
        // Until the input is used up and zlib has nothing more to give (a
        // call that does not fill its room). Output grows in steps, never
        // past the limit plus one byte, which, once filled, proves the excess.
        while true {
            let room = Swift.min(Swift.max(4096, input.count * 4), limit + 1 - output.count)
            guard room > 0 else { return .tooLarge }
            let start = output.count, inputBefore = stream.avail_in
            output.append(contentsOf: repeatElement(0, count: room))
            let (status, produced): (Int32, Int) = output.withUnsafeMutableBytes { out in
                stream.next_out = (out.baseAddress! + start).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(room)
                let status = CZlib.inflate(&stream, Z_SYNC_FLUSH)
                return (status, room - Int(stream.avail_out))
            }
            output.removeLast(room - produced)
            if output.count > limit { return .tooLarge }
            switch status {
            case Z_STREAM_END:
                // A final block (BFINAL) ends the stream; anything after it is ignored.
                inflateReset(&stream)
                streamEnded = true
                return nil
            case Z_OK, Z_BUF_ERROR:
                let stalled = produced == 0 && stream.avail_in == inputBefore
                if stalled || (stream.avail_in == 0 && produced < room) { return nil }
            default:
                return .corrupt(stream.msg.map { String(cString: $0) } ?? "inflate error \(status)")
            }
        }
    }

}
