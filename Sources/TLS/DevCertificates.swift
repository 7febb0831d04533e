internal import COpenSSL

public struct DevCertificatePaths: Sendable, Equatable {
    public var caCertificate: String
    public var caKey: String
    public var serverCertificate: String
    public var serverKey: String

    public init(directory: String) {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        caCertificate = base + "ca.pem"
        caKey = base + "ca.key"
        serverCertificate = base + "server.pem"
        serverKey = base + "server.key"
    }

    var all: [String] { [caCertificate, caKey, serverCertificate, serverKey] }
}

/// A development CA and a server certificate it signed, made with the OpenSSL API (no
/// `openssl` command). Trust `ca.pem` in the client; serve `server.pem` + `server.key`.
public enum DevCertificates {
    static let caDays = 3650
    static let serverDays = 365

    /// Writes ca.pem, ca.key (0600), server.pem (leaf then CA) and server.key (PKCS#8,
    /// 0600) into `directory`, creating it if needed. Without `overwrite`, a directory
    /// that already holds all four files is left untouched (the paths are returned), and
    /// one that holds only some of them is an error.
    @discardableResult
    public static func generate(
        directory: String, hosts: [String] = ["localhost", "127.0.0.1", "::1"], overwrite: Bool = false
    ) throws(TLSError) -> DevCertificatePaths {
        let paths = DevCertificatePaths(directory: directory)
        if !overwrite {
            let existing = paths.all.filter(FileAccess.exists)
            if existing.count == paths.all.count { return paths }
            if let first = existing.first {
                throw TLSError("refusing to overwrite existing \(first) (pass overwrite: true or remove it)")
            }
        }
        guard !hosts.isEmpty else { throw TLSError("development certificate needs at least one host name") }
        if let bad = hosts.first(where: { $0.isEmpty || $0.contains(",") || $0.contains(where: \.isWhitespace) }) {
            throw TLSError("invalid host name \"\(bad)\" for the development certificate")
        }
        let alternativeNames = hosts.map { FileAccess.isIPAddress($0) ? "IP:\($0)" : "DNS:\($0)" }.joined(separator: ",")
        let commonName = hosts.first { !FileAccess.isIPAddress($0) } ?? hosts[0]

        let caKey = try EVPKey.generateP256()
        let ca = try CertificateBuilder.make(
            commonName: "streamd development CA", key: caKey, issuer: nil, days: caDays,
            extensions: [
                (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
                (NID_key_usage, "critical,keyCertSign,cRLSign"),
                (NID_subject_key_identifier, "hash"),
                (NID_authority_key_identifier, "keyid:always"),
            ])
        let serverKey = try EVPKey.generateP256()
        let server = try CertificateBuilder.make(
            commonName: commonName, key: serverKey, issuer: (ca, caKey), days: serverDays,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "serverAuth"),
                (NID_subject_key_identifier, "hash"),
                (NID_authority_key_identifier, "keyid"),
                (NID_subject_alt_name, alternativeNames),
            ])

        let caPEM = try CertificateBuilder.pem(ca)
        try FileAccess.createDirectory(directory)
        try FileAccess.write(caPEM, to: paths.caCertificate, mode: 0o644, overwrite: overwrite)
        try FileAccess.write(caKey.privateKeyPKCS8PEM(), to: paths.caKey, mode: 0o600, overwrite: overwrite)
        try FileAccess.write(
            CertificateBuilder.pem(server) + caPEM, to: paths.serverCertificate, mode: 0o644, overwrite: overwrite)
        try FileAccess.write(serverKey.privateKeyPKCS8PEM(), to: paths.serverKey, mode: 0o600, overwrite: overwrite)
        return paths
    }

    /// A fresh EC P-256 key pair as PEM text (e.g. for signing tokens).
    public static func generateECKeyPair() throws(TLSError) -> (privatePKCS8PEM: String, publicPEM: String) {
        let key = try EVPKey.generateP256()
        return (
            String(decoding: try key.privateKeyPKCS8PEM(), as: UTF8.self),
            String(decoding: try key.publicKeyPEM(), as: UTF8.self)
        )
    }

    /// Writes a fresh EC P-256 key pair: private key PKCS#8 PEM (0600), public key PEM (0644).
    public static func writeECKeyPair(
        privateKeyPath: String, publicKeyPath: String, overwrite: Bool = false
    ) throws(TLSError) {
        if !overwrite, let existing = [privateKeyPath, publicKeyPath].first(where: FileAccess.exists) {
            throw TLSError("refusing to overwrite existing \(existing) (pass overwrite: true or remove it)")
        }
        let key = try EVPKey.generateP256()
        try FileAccess.write(key.privateKeyPKCS8PEM(), to: privateKeyPath, mode: 0o600, overwrite: overwrite)
        try FileAccess.write(key.publicKeyPEM(), to: publicKeyPath, mode: 0o644, overwrite: overwrite)
    }
}

/// Builds and signs X.509 v3 certificates.
enum CertificateBuilder {
    static func make(
        commonName: String, key: EVPKey, issuer: (certificate: X509Certificate, key: EVPKey)?, days: Int,
        extensions: [(nid: Int32, value: String)]
    ) throws(TLSError) -> X509Certificate {
        OpenSSLErrorQueue.clear()
        guard let pointer = X509_new() else { throw .openSSL("cannot allocate a certificate") }
        let certificate = X509Certificate(taking: pointer)
        func require(_ ok: Bool, _ what: String) throws(TLSError) {
            if !ok { throw .openSSL("cannot build certificate for \(commonName): \(what)") }
        }
        try require(X509_set_version(pointer, 2) == 1, "version")  // 2 means v3
        try require(setRandomSerial(pointer), "serial number")
        // An hour of slack for clocks that are slightly behind.
        try require(X509_gmtime_adj(X509_getm_notBefore(pointer), -3600) != nil, "notBefore")
        try require(X509_gmtime_adj(X509_getm_notAfter(pointer), days * 86_400) != nil, "notAfter")
        try require(X509_set_pubkey(pointer, key.pointer) == 1, "public key")
        let subject = X509_get_subject_name(pointer)
        try require(
            X509_NAME_add_entry_by_txt(subject, "O", COpenSSL_MBSTRING_ASC(), "streamd development", -1, -1, 0) == 1,
            "organization")
        try require(
            X509_NAME_add_entry_by_txt(subject, "CN", COpenSSL_MBSTRING_ASC(), commonName, -1, -1, 0) == 1,
            "common name")
        let issuerName = issuer.map { X509_get_subject_name($0.certificate.pointer) } ?? subject
        try require(X509_set_issuer_name(pointer, issuerName) == 1, "issuer name")
        for (nid, value) in extensions {
            try require(
                COpenSSL_X509_add_ext_conf(pointer, issuer?.certificate.pointer ?? pointer, nid, value) == 1,
                "extension \(String(cString: OBJ_nid2sn(nid))) = \(value)")
        }
        try require(X509_sign(pointer, (issuer?.key ?? key).pointer, EVP_sha256()) > 0, "signature")
        return certificate
    }

    static func pem(_ certificate: X509Certificate) throws(TLSError) -> [UInt8] {
        try MemoryBIO.collect("cannot encode certificate") { PEM_write_bio_X509($0, certificate.pointer) }
    }

    /// 16 random bytes, top bit clear so the INTEGER is positive, never zero.
    private static func setRandomSerial(_ certificate: OpaquePointer) -> Bool {
        var serial = SecureRandom.bytes(16)
        serial[0] = (serial[0] & 0x7F) | 0x01
        guard let number = BN_bin2bn(serial, Int32(serial.count), nil) else { return false }
        defer { BN_free(number) }
        return BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil
    }
}
