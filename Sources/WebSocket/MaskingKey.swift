/// The four-byte masking key of RFC 6455 §5.3, kept in memory order so that
/// XOR-ing it over payload words needs no byte swapping on any platform.
///
/// Public APIs take the key as a `UInt32` whose big-endian bytes are the
/// bytes on the wire (0x37FA213D is sent as `37 fa 21 3d`), matching how the
/// RFC prints its examples.
struct MaskingKey: Sendable, Hashable {
    /// The wire bytes m0 m1 m2 m3, stored so that `withUnsafeBytes` yields them in order.
    var memoryOrder: UInt32

    init(wireValue: UInt32) { memoryOrder = wireValue.bigEndian }

    /// Reads the key as it appears in a frame header.
    init(loadingFrom pointer: UnsafeRawPointer) {
        memoryOrder = pointer.loadUnaligned(as: UInt32.self)
    }

    /// The key rotated so that its first byte is the one that applies at
    /// `payloadOffset`; lets a frame be unmasked in pieces as bytes arrive.
    func rotated(toPayloadOffset payloadOffset: Int) -> UInt32 {
        let shift = payloadOffset & 3
        if shift == 0 { return memoryOrder }
        var bytes = (UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        withUnsafeBytes(of: memoryOrder) { key in
            withUnsafeMutableBytes(of: &bytes) { out in
                for i in 0..<4 { out[i] = key[(i + shift) & 3] }
            }
        }
        return withUnsafeBytes(of: bytes) { $0.loadUnaligned(as: UInt32.self) }
    }

    /// XORs `count` bytes from `source` into `destination` (which may be the
    /// same memory), as if the payload started `payloadOffset` bytes into the frame.
    /// Eight bytes per step: unmasking is on every byte a client sends.
    func apply(
        from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer,
        count: Int, payloadOffset: Int
    ) {
        let key32 = rotated(toPayloadOffset: payloadOffset)
        let key64 = UInt64(truncatingIfNeeded: key32) | (UInt64(truncatingIfNeeded: key32) << 32)
        var index = 0
        while index &+ 8 <= count {
            let word = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            destination.storeBytes(of: word ^ key64, toByteOffset: index, as: UInt64.self)
            index &+= 8
        }
        if index < count {
            withUnsafeBytes(of: key32) { key in
                var k = 0
                while index < count {
                    let byte = source.load(fromByteOffset: index, as: UInt8.self)
                    destination.storeBytes(of: byte ^ key[k & 3], toByteOffset: index, as: UInt8.self)
                    index &+= 1
                    k &+= 1
                }
            }
        }
    }
}
