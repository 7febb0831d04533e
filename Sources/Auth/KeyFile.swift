import Base

/// Reads and checks key files so that a misconfigured key fails at startup
/// (or reload) with the kid, the file and the problem, and every verification
/// key is parsed there, once, for its one algorithm.
enum KeyFile {
    static let sizeLimit = 1 << 20
    static let minimumSecretBytes = 32
    static let minimumRSABytes = 256

    /// A public key for ES256/RS256 or an HS256 secret, decoded by OpenSSL
    /// now, and the length a genuine signature has.
    static func verificationKey(kid: String, algorithm: JWTAlgorithm, path: String)
        throws(AuthConfigurationError) -> (key: SignatureKey, signatureLength: Int)
    {
        let bytes = try read(kid: kid, path: path)
        let fail = { (problem: String) in AuthConfigurationError("\(kid): \(path) \(problem)") }
        switch algorithm {
        case .hs256:
            switch SignatureKey.secret(try secret(kid: kid, path: path, bytes: bytes)) {
            case .success(let key): return (key, 32)
            case .failure(let problem): throw fail(problem.text)
            }
        case .es256, .rs256:
            let block = try singlePublicKeyBlock(kid: kid, path: path, bytes: bytes)
            let spki: [UInt8]
            let kind: KeyKind?
            switch block.label {
            case "PUBLIC KEY":
                spki = block.der
                kind = KeyKind.ofSubjectPublicKeyInfo(spki)
            case "RSA PUBLIC KEY" where algorithm == .rs256:
                spki = KeyKind.subjectPublicKeyInfo(wrappingRSAPublicKey: block.der)
                kind = KeyKind.ofRSAPublicKey(block.der)
            default:
                throw fail("holds a \"\(block.label)\" PEM block; give a PEM \"PUBLIC KEY\" for \(algorithm.rawValue)")
            }
            guard let kind else { throw fail("holds a PUBLIC KEY block that is not a valid key") }
            // Our own DER reading names the common mistakes; OpenSSL then
            // has the last word (a point off the curve, say).
            let signatureLength: Int
            switch (algorithm, kind) {
            case (.es256, .ecP256):
                signatureLength = 64
            case (.rs256, .rsa(let modulusBytes)):
                guard modulusBytes >= minimumRSABytes else {
                    throw fail("holds \(kind.summary); RS256 needs at least 2048 bits")
                }
                signatureLength = modulusBytes
            default:
                throw fail("holds \(kind.summary), which cannot verify \(algorithm.rawValue)")
            }
            switch SignatureKey.publicKey(subjectPublicKeyInfo: spki, algorithm: algorithm) {
            case .success(let key): return (key, signatureLength)
            case .failure(let problem): throw fail(problem.text)
            }
        }
    }

    /// A private key PEM for ES256/RS256 (as the file holds it; libjwt reads
    /// PKCS #8, SEC1 and PKCS #1), or an HS256 secret's bytes.
    static func signingMaterial(kid: String, algorithm: JWTAlgorithm, path: String)
        throws(AuthConfigurationError) -> [UInt8]
    {
        let bytes = try read(kid: kid, path: path)
        let fail = { (problem: String) in AuthConfigurationError("\(kid): \(path) \(problem)") }
        if algorithm == .hs256 {
            return try secret(kid: kid, path: path, bytes: bytes)
        }
        let blocks: [PEMBlock]
        switch PEM.blocks(in: bytes) {
        case .success(let found): blocks = found
        case .failure(let problem): throw fail(problem.text)
        }
        guard blocks.count == 1, let block = blocks.first else {
            throw fail(blocks.isEmpty ? "holds no PEM block; give a PEM private key"
                                      : "holds \(blocks.count) PEM blocks; give exactly one private key")
        }
        let kind: KeyKind?
        switch block.label {
        case "PRIVATE KEY": kind = KeyKind.ofPrivateKeyInfo(block.der)
        case "EC PRIVATE KEY": kind = .ecP256  // SEC1; the curve is checked when libjwt signs
        case "RSA PRIVATE KEY": kind = .rsa(modulusBytes: 0)
        case "ENCRYPTED PRIVATE KEY": throw fail("holds an encrypted private key; give an unencrypted one")
        case let label where label.hasSuffix("PUBLIC KEY"):
            throw fail("holds a public key; signing needs the private key")
        default: throw fail("holds a \"\(block.label)\" PEM block; give a PEM private key")
        }
        switch (algorithm, kind) {
        case (.es256, .ecP256?), (.rs256, .rsa?):
            return Array(block.text.utf8)
        default:
            throw fail("holds \(kind?.summary ?? "an unreadable key"), which cannot sign \(algorithm.rawValue)")
        }
    }

    private static func read(kid: String, path: String) throws(AuthConfigurationError) -> [UInt8] {
        do {
            return try FileContents.configurationFile(path, limit: sizeLimit)
        } catch {
            throw AuthConfigurationError("\(kid): \(error.description)")
        }
    }

    /// The file's bytes less trailing line breaks. A PEM here would let a
    /// public key (which anyone may hold) act as an HMAC secret.
    private static func secret(kid: String, path: String, bytes: [UInt8]) throws(AuthConfigurationError) -> [UInt8] {
        var secret = bytes
        while let last = secret.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
            secret.removeLast()
        }
        if secret.firstRange(of: Array("-----BEGIN".utf8)) != nil {
            throw AuthConfigurationError(
                "\(kid): \(path) looks like a PEM file; an HS256 secret must be random bytes, never a key file")
        }
        guard secret.count >= minimumSecretBytes else {
            throw AuthConfigurationError(
                "\(kid): \(path) holds a \(secret.count)-byte secret; HS256 needs at least \(minimumSecretBytes) bytes")
        }
        return secret
    }

    private static func singlePublicKeyBlock(kid: String, path: String, bytes: [UInt8])
        throws(AuthConfigurationError) -> PEMBlock
    {
        let blocks: [PEMBlock]
        switch PEM.blocks(in: bytes) {
        case .success(let found): blocks = found
        case .failure(let problem): throw AuthConfigurationError("\(kid): \(path) \(problem.text)")
        }
        // A private key anywhere in the file is an operator mistake worth naming
        // before anything else: that file should not be on this server at all.
        if blocks.contains(where: \.isPrivateKey) {
            throw AuthConfigurationError("\(kid): \(path) holds a private key; give the public key")
        }
        if blocks.contains(where: { $0.label == "CERTIFICATE" }) {
            throw AuthConfigurationError(
                "\(kid): \(path) holds a certificate; give its public key (openssl x509 -pubkey -noout)")
        }
        guard blocks.count == 1, let block = blocks.first else {
            throw AuthConfigurationError(blocks.isEmpty
                ? "\(kid): \(path) holds no PEM block; give a PEM \"PUBLIC KEY\""
                : "\(kid): \(path) holds \(blocks.count) PEM blocks; give exactly one public key")
        }
        return block
    }
}

