import TLS

/// A JWS verification key parsed once, when the key ring is loaded: its one
/// algorithm and the OpenSSL verifier prepared for it (TLS's
/// `SignatureVerifier`, which keeps OpenSSL out of this target).
final class SignatureKey: Sendable {
    let algorithm: JWTAlgorithm
    private let verifier: SignatureVerifier

    private init(algorithm: JWTAlgorithm, verifier: SignatureVerifier) {
        self.algorithm = algorithm
        self.verifier = verifier
    }

    /// Decodes a SubjectPublicKeyInfo for ES256 (EC P-256) or RS256 (RSA);
    /// the problem, as a phrase to follow the file name, when OpenSSL cannot
    /// use it for that algorithm.
    static func publicKey(subjectPublicKeyInfo der: [UInt8], algorithm: JWTAlgorithm)
        -> Result<SignatureKey, KeyError>
    {
        precondition(algorithm != .hs256, "HS256 keys are secrets")
        let scheme: SignatureVerifier.Scheme = algorithm == .es256 ? .ecdsaP256SHA256 : .rsaPKCS1SHA256
        switch SignatureVerifier.publicKey(subjectPublicKeyInfo: der, scheme: scheme) {
        case .success(let verifier): return .success(SignatureKey(algorithm: algorithm, verifier: verifier))
        case .failure(.unreadable(let reason)):
            return .failure(KeyError("holds a PUBLIC KEY block that OpenSSL cannot load (\(reason))"))
        case .failure(.wrongKeyType):
            return .failure(KeyError("holds a key OpenSSL cannot use to verify \(algorithm.rawValue)"))
        case .failure(.unusable(let reason)):
            return .failure(KeyError("holds a key OpenSSL cannot verify \(algorithm.rawValue) with (\(reason))"))
        case .failure(.outOfMemory):
            return .failure(KeyError("could not be prepared: OpenSSL is out of memory"))
        }
    }

    /// An HS256 key: HMAC-SHA256 keyed once with `secret`.
    static func secret(_ secret: [UInt8]) -> Result<SignatureKey, KeyError> {
        switch SignatureVerifier.hmacSHA256(secret: secret) {
        case .success(let verifier): return .success(SignatureKey(algorithm: .hs256, verifier: verifier))
        case .failure(.unusable(let reason)), .failure(.unreadable(let reason)):
            return .failure(KeyError("could not be used as an HMAC-SHA256 key (\(reason))"))
        case .failure:
            return .failure(KeyError("could not be prepared: OpenSSL is out of memory"))
        }
    }

    /// Whether `signature` (the decoded third segment) signs `signingInput`
    /// (the ASCII `header.payload` exactly as received) under this key's
    /// one algorithm. ES256 signatures are raw r‖s (RFC 7518 §3.4), which
    /// OpenSSL wants as DER.
    func verify(signingInput: ArraySlice<UInt8>, signature: [UInt8]) -> Bool {
        guard algorithm == .es256 else { return verifier.verify(signingInput, signature: signature) }
        guard let der = DERReader.ecdsaSignature(rawRS: signature) else { return false }
        return verifier.verify(signingInput, signature: der)
    }
}

/// Why a key file's contents cannot be used, as a phrase that follows the
/// kid and file name in an `AuthConfigurationError`.
struct KeyError: Error {
    let text: String
    init(_ text: String) { self.text = text }
}
