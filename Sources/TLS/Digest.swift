internal import COpenSSL

/// One-shot hashes (WebSocket accept keys, audit chains). The algorithms are fetched
/// once: OpenSSL 3 looks a name up through its provider tables on every implicit fetch.
public enum Digest {
    nonisolated(unsafe) private static let sha1Algorithm: OpaquePointer = fetch("SHA1")
    nonisolated(unsafe) private static let sha256Algorithm: OpaquePointer = fetch("SHA256")

    public static func sha1(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0, with: sha1Algorithm, length: 20) }
    }

    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0, with: sha256Algorithm, length: 32) }
    }

    public static func sha1(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        hash(bytes, with: sha1Algorithm, length: 20)
    }

    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        hash(bytes, with: sha256Algorithm, length: 32)
    }

    private static func fetch(_ name: String) -> OpaquePointer {
        guard let algorithm = EVP_MD_fetch(nil, name, nil) else {
            fatalError("OpenSSL has no \(name) implementation: \(OpenSSLErrorQueue.drain().joined(separator: "; "))")
        }
        return algorithm
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer, with algorithm: OpaquePointer, length: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: length) { output, initialized in
            var size: UInt32 = 0
            let ok = EVP_Digest(bytes.baseAddress, bytes.count, output.baseAddress, &size, algorithm, nil)
            precondition(ok == 1 && Int(size) == length, "EVP_Digest failed")
            initialized = length
        }
    }
}
