internal import COpenSSL

/// Owns one OpenSSL object and frees it with its own free function.
class OpenSSLHandle {
    let pointer: OpaquePointer
    private let free: (OpaquePointer) -> Void

    init(taking pointer: OpaquePointer, free: @escaping (OpaquePointer) -> Void) {
        self.pointer = pointer
        self.free = free
    }

    deinit {
        free(pointer)
    }
}

/// Owns one `X509`.
final class X509Certificate: OpenSSLHandle {
    init(taking pointer: OpaquePointer) { super.init(taking: pointer, free: X509_free) }
}

/// Owns one `EVP_PKEY`.
final class EVPKey: OpenSSLHandle {
    init(taking pointer: OpaquePointer) { super.init(taking: pointer, free: EVP_PKEY_free) }

    /// A fresh EC P-256 key pair.
    static func generateP256() throws(TLSError) -> EVPKey {
        OpenSSLErrorQueue.clear()
        guard let key = COpenSSL_EVP_EC_gen("P-256") else {
            throw .openSSL("cannot generate an EC P-256 key")
        }
        return EVPKey(taking: key)
    }

    /// Parses the first private key in PEM text; encrypted keys are refused rather than
    /// prompting on the terminal.
    static func parsePrivateKey(pem: [UInt8]) -> EVPKey? {
        MemoryBIO.withReadOnly(pem) { bio in
            PEM_read_bio_PrivateKey(bio, nil, refusePassword, nil).map(EVPKey.init(taking:))
        }
    }

    /// "ECDSA P-256", "RSA 2048", "Ed25519".
    var summary: String {
        switch EVP_PKEY_get_base_id(pointer) {
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            if EVP_PKEY_get_group_name(pointer, &name, name.count, &length) == 1 {
                let nid = OBJ_sn2nid(name)
                if let nist = EC_curve_nid2nist(nid) {
                    return "ECDSA \(String(cString: nist))"
                }
                return "ECDSA \(String(nulTerminated: name))"
            }
            return "ECDSA"
        case EVP_PKEY_RSA:
            return "RSA \(EVP_PKEY_get_bits(pointer))"
        case EVP_PKEY_ED25519:
            return "Ed25519"
        default:
            return String(cString: OBJ_nid2sn(EVP_PKEY_get_base_id(pointer)))
        }
    }

    func privateKeyPKCS8PEM() throws(TLSError) -> [UInt8] {
        try MemoryBIO.collect("cannot encode private key") { bio in
            PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil)
        }
    }

    func publicKeyPEM() throws(TLSError) -> [UInt8] {
        try MemoryBIO.collect("cannot encode public key") { bio in
            PEM_write_bio_PUBKEY(bio, pointer)
        }
    }
}

/// Password callback that declines: a server must never block on a terminal prompt.
private func refusePassword(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int32, _ writing: Int32, _ context: UnsafeMutableRawPointer?
) -> Int32 {
    0
}

let refusePasswordCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 =
    refusePassword

/// Short-lived memory BIOs for PEM parsing and encoding (start-up only, never per connection).
enum MemoryBIO {
    static func withReadOnly<R>(_ bytes: [UInt8], _ body: (OpaquePointer) -> R?) -> R? {
        bytes.withUnsafeBytes { raw -> R? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    /// Runs `write` against a fresh memory BIO and returns what it wrote.
    static func collect(_ what: String, _ write: (OpaquePointer) -> Int32) throws(TLSError) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openSSL(what) }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw .openSSL(what) }
        var data: UnsafePointer<CChar>?
        let length = COpenSSL_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { throw .openSSL(what) }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }
}
