internal import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG (masking keys, serials, ids).
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative random byte count")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    public static func uint32() -> UInt32 {
        var value: UInt32 = 0
        withUnsafeMutableBytes(of: &value) { fill($0) }
        return value
    }

    /// Without randomness nothing secure can continue, so failure is fatal.
    static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let ok = RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(buffer.count))
        precondition(ok == 1, "RAND_bytes failed: \(OpenSSLErrorQueue.drain().joined(separator: "; "))")
    }
}
