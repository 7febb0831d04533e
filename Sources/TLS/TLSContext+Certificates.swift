#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import COpenSSL

extension TLSContext {
    /// Every certificate in the PEM text, leaf first. An empty result or a damaged block
    /// is an error naming the file.
    static func loadChain(_ pem: [UInt8], path: String) throws(TLSError) -> [X509Certificate] {
        OpenSSLErrorQueue.clear()
        let chain = MemoryBIO.withReadOnly(pem) { bio -> [X509Certificate] in
            var chain: [X509Certificate] = []
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                chain.append(X509Certificate(taking: certificate))
            }
            return chain
        } ?? []
        // Reading stops with "no start line" at the end of the text; anything else means
        // a block that is there but broken.
        let last = ERR_peek_last_error()
        let cleanEnd = last == 0 || (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE)
        if chain.isEmpty {
            if cleanEnd {
                OpenSSLErrorQueue.clear()
                throw TLSError(
                    "certificate file \(path) contains no PEM certificate (expected a -----BEGIN CERTIFICATE----- block)")
            }
            throw .openSSL("certificate file \(path) contains no valid PEM certificate")
        }
        if !cleanEnd {
            throw .openSSL("certificate file \(path) has a damaged certificate after the first \(chain.count)")
        }
        OpenSSLErrorQueue.clear()
        return chain
    }

    static func loadPrivateKey(
        _ pem: [UInt8], path: String, leaf: X509Certificate, certificatePath: String
    ) throws(TLSError) -> EVPKey {
        OpenSSLErrorQueue.clear()
        guard let key = EVPKey.parsePrivateKey(pem: pem) else {
            if pem.firstRange(of: Array("ENCRYPTED".utf8)) != nil {
                OpenSSLErrorQueue.clear()
                throw TLSError("private key file \(path) is encrypted; streamd needs an unencrypted PEM key")
            }
            throw .openSSL("private key file \(path) contains no PEM private key")
        }
        OpenSSLErrorQueue.clear()
        guard X509_check_private_key(leaf.pointer, key.pointer) == 1 else {
            OpenSSLErrorQueue.clear()
            throw TLSError("private key \(path) does not match certificate \(certificatePath)")
        }
        return key
    }

    func install(chain: [X509Certificate], key: EVPKey, configuration: TLSServerConfiguration) throws(TLSError) {
        let certificatePath = configuration.certificateChainPath
        OpenSSLErrorQueue.clear()
        try require(
            SSL_CTX_use_certificate(pointer, chain[0].pointer) == 1, "certificate file \(certificatePath) was refused")
        for certificate in chain.dropFirst() {
            try require(
                COpenSSL_SSL_CTX_add1_chain_cert(pointer, certificate.pointer) == 1,
                "certificate file \(certificatePath): an intermediate certificate was refused")
        }
        try require(
            SSL_CTX_use_PrivateKey(pointer, key.pointer) == 1, "private key \(configuration.privateKeyPath) was refused")
        try require(
            SSL_CTX_check_private_key(pointer) == 1,
            "private key \(configuration.privateKeyPath) does not match certificate \(certificatePath)")
    }

    /// "CN=localhost, ECDSA P-256, expires 2027-01-01 00:00:00 UTC, chain of 2".
    static func describe(leaf: OpaquePointer, chainLength: Int) -> String {
        var parts: [String] = []
        parts.append("CN=\(commonName(of: leaf) ?? "(none)")")
        if let key = X509_get0_pubkey(leaf) {
            EVP_PKEY_up_ref(key)
            parts.append(EVPKey(taking: key).summary)
        }
        if let notAfter = X509_get0_notAfter(leaf) {
            var expiry = tm()
            if ASN1_TIME_to_tm(notAfter, &expiry) == 1 {
                let expired = X509_cmp_current_time(notAfter) < 0
                parts.append("\(expired ? "EXPIRED" : "expires") \(format(expiry))")
            }
        }
        parts.append("chain of \(chainLength)")
        return parts.joined(separator: ", ")
    }

    static func commonName(of certificate: OpaquePointer) -> String? {
        guard let name = X509_get_subject_name(certificate) else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
            let data = X509_NAME_ENTRY_get_data(entry), let bytes = ASN1_STRING_get0_data(data)
        else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(data))), as: UTF8.self)
    }

    private static func format(_ time: tm) -> String {
        func pad(_ value: Int32, _ width: Int = 2) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(time.tm_year + 1900, 4))-\(pad(time.tm_mon + 1))-\(pad(time.tm_mday)) "
            + "\(pad(time.tm_hour)):\(pad(time.tm_min)):\(pad(time.tm_sec)) UTC"
    }
}

