internal import COpenSSL

/// A signature verification key decoded once and prepared for its one
/// scheme, for callers (JWT verification) that check many signatures with
/// the same key.
///
/// OpenSSL 3 looks algorithms up by name through its provider tables on
/// every implicit fetch, and parsing a PEM key costs several times an ECDSA
/// verification. So the key is decoded once, and a template context is kept
/// already initialised for its one scheme (digest and signature
/// implementation fetched); a verification copies the template into a fresh
/// context of its own and frees it afterwards.
///
/// Sendable because nothing here changes after creation: the `EVP_PKEY` and
/// the templates are only read (copied) by verifications, each of which
/// works in its own context, which OpenSSL 3 supports from several threads
/// at once. A context per call rather than per thread keeps the class free
/// of thread-local state; the copy costs ~2% of an ECDSA P-256 verification.
public final class SignatureVerifier: @unchecked Sendable {
    public enum Scheme: Sendable, Equatable {
        /// ECDSA over P-256 with SHA-256; signatures DER-encoded (ECDSA-Sig-Value).
        case ecdsaP256SHA256
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        case rsaPKCS1SHA256
        /// HMAC-SHA256; the "signature" is the 32-byte tag.
        case hmacSHA256
    }

    /// Why a key cannot be used.
    public enum SetupError: Error, Equatable {
        /// OpenSSL could not decode the SubjectPublicKeyInfo (its reason).
        case unreadable(String)
        /// Decoded, but not a key of the scheme's type (or not P-256).
        case wrongKeyType
        /// Decoded, but OpenSSL refused to prepare verification with it (its reason).
        case unusable(String)
        case outOfMemory
    }

    public let scheme: Scheme

    private enum Template {
        /// An `EVP_MD_CTX` after `EVP_DigestVerifyInit` with the key; owns the key's reference.
        case publicKey(key: OpaquePointer, context: OpaquePointer)
        /// An `EVP_MAC_CTX` for HMAC-SHA256, keyed with the secret.
        case secret(OpaquePointer)
    }

    private let template: Template

    private init(scheme: Scheme, template: Template) {
        self.scheme = scheme
        self.template = template
    }

    deinit {
        switch template {
        case .publicKey(let key, let context):
            EVP_MD_CTX_free(context)
            EVP_PKEY_free(key)
        case .secret(let context):
            EVP_MAC_CTX_free(context)
        }
    }

    /// Decodes a DER SubjectPublicKeyInfo for an ECDSA P-256 or RSA scheme.
    public static func publicKey(subjectPublicKeyInfo der: [UInt8], scheme: Scheme) -> Result<SignatureVerifier, SetupError> {
        precondition(scheme != .hmacSHA256, "HMAC keys are secrets")
        ERR_clear_error()
        let decoded: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            let key = d2i_PUBKEY(nil, &cursor, buffer.count)
            // Trailing bytes would mean OpenSSL read a different key than the file holds.
            guard let key, cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                if let key { EVP_PKEY_free(key) }
                return nil
            }
            return key
        }
        guard let key = decoded else { return .failure(.unreadable(openSSLReason())) }
        switch (scheme, EVP_PKEY_get_base_id(key)) {
        case (.ecdsaP256SHA256, EVP_PKEY_EC) where groupName(key) == "prime256v1",
             (.rsaPKCS1SHA256, EVP_PKEY_RSA):
            break
        default:
            EVP_PKEY_free(key)
            return .failure(.wrongKeyType)
        }
        guard let context = EVP_MD_CTX_new() else {
            EVP_PKEY_free(key)
            return .failure(.outOfMemory)
        }
        guard EVP_DigestVerifyInit(context, nil, sha256, nil, key) == 1 else {
            let reason = openSSLReason()
            EVP_MD_CTX_free(context)
            EVP_PKEY_free(key)
            return .failure(.unusable(reason))
        }
        return .success(SignatureVerifier(scheme: scheme, template: .publicKey(key: key, context: context)))
    }

    /// HMAC-SHA256 keyed once with `secret`.
    public static func hmacSHA256(secret: [UInt8]) -> Result<SignatureVerifier, SetupError> {
        ERR_clear_error()
        guard let context = EVP_MAC_CTX_new(hmac) else { return .failure(.outOfMemory) }
        let keyed = secret.withUnsafeBufferPointer { key in
            COpenSSL_EVP_MAC_init_with_digest(context, key.baseAddress, key.count, "SHA256")
        }
        guard keyed == 1 else {
            let reason = openSSLReason()
            EVP_MAC_CTX_free(context)
            return .failure(.unusable(reason))
        }
        return .success(SignatureVerifier(scheme: .hmacSHA256, template: .secret(context)))
    }

    /// Whether `signature` signs `message` under this key's one scheme.
    public func verify(_ message: ArraySlice<UInt8>, signature: [UInt8]) -> Bool {
        let verified: Bool
        switch template {
        case .publicKey(_, let prepared):
            verified = Self.verify(prepared, message: message, signature: signature)
        case .secret(let keyed):
            verified = Self.verifyMAC(keyed, message: message, tag: signature)
        }
        // A refused signature leaves reasons on this thread's OpenSSL error
        // queue; TLS on the same loop must not find them.
        if !verified { ERR_clear_error() }
        return verified
    }

    private static func verify(_ prepared: OpaquePointer, message: ArraySlice<UInt8>, signature: [UInt8]) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_MD_CTX_copy_ex(context, prepared) == 1 else { return false }
        // One use only: lets the final step skip duplicating the key context.
        EVP_MD_CTX_set_flags(context, EVP_MD_CTX_FLAG_FINALISE)
        return message.withUnsafeBufferPointer { input in
            signature.withUnsafeBufferPointer { signature in
                EVP_DigestVerify(context, signature.baseAddress, signature.count, input.baseAddress, input.count) == 1
            }
        }
    }

    private static func verifyMAC(_ keyed: OpaquePointer, message: ArraySlice<UInt8>, tag: [UInt8]) -> Bool {
        guard tag.count == 32, let context = EVP_MAC_CTX_dup(keyed) else { return false }
        defer { EVP_MAC_CTX_free(context) }
        var computed = [UInt8](repeating: 0, count: 32)
        var length = 0
        let ok = message.withUnsafeBufferPointer { input in
            computed.withUnsafeMutableBufferPointer { output in
                EVP_MAC_update(context, input.baseAddress, input.count) == 1
                    && EVP_MAC_final(context, output.baseAddress, &length, output.count) == 1
            }
        }
        guard ok, length == 32 else { return false }
        // Constant time: how much of a forged tag matched must not show.
        return CRYPTO_memcmp(computed, tag, 32) == 0
    }

    // MARK: - Fetched once per process

    nonisolated(unsafe) private static let sha256: OpaquePointer = {
        guard let digest = EVP_MD_fetch(nil, "SHA256", nil) else {
            fatalError("OpenSSL has no SHA256 implementation (\(openSSLReason()))")
        }
        return digest
    }()

    nonisolated(unsafe) private static let hmac: OpaquePointer = {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else {
            fatalError("OpenSSL has no HMAC implementation (\(openSSLReason()))")
        }
        return mac
    }()

    private static func groupName(_ key: OpaquePointer) -> String? {
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else { return nil }
        return String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The reason of the oldest error on the queue, which is then emptied.
    private static func openSSLReason() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0, let reason = ERR_reason_error_string(code) else { return "no reason given" }
        return String(cString: reason)
    }
}
