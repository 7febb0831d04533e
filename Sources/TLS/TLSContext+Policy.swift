internal import COpenSSL

extension TLSContext {
    /// Protocol policy for the listening side; see the constants on `TLSContext`.
    func applyServerPolicy(_ configuration: TLSServerConfiguration) throws(TLSError) {
        try applyVersions(minimum: configuration.minimumVersion.openSSLValue, maximum: configuration.maximumVersion.openSSLValue)
        try applyCiphers(tls12: Self.tls12Ciphers)
        _ = SSL_CTX_set_options(
            pointer,
            COpenSSL_SSL_OP_NO_COMPRESSION() | COpenSSL_SSL_OP_NO_RENEGOTIATION()
                | COpenSSL_SSL_OP_CIPHER_SERVER_PREFERENCE() | COpenSSL_SSL_OP_PRIORITIZE_CHACHA())
        applyBufferModes()

        // Resumption: TLS 1.2 clients use the server-side cache (which needs a session id
        // context), TLS 1.3 clients use stateless tickets; one ticket per handshake is
        // enough for a client that reconnects serially and saves a record per handshake.
        _ = COpenSSL_SSL_CTX_set_session_cache_mode(pointer, Int(SSL_SESS_CACHE_SERVER))
        try require(
            Self.sessionIDContext.withUnsafeBufferPointer {
                SSL_CTX_set_session_id_context(pointer, $0.baseAddress, UInt32($0.count))
            } == 1, "cannot set the TLS session id context")
        try require(SSL_CTX_set_num_tickets(pointer, 1) == 1, "cannot set the number of TLS 1.3 session tickets")
        SSL_CTX_set_default_passwd_cb(pointer, refusePasswordCallback)
    }

    func applyClientPolicy(_ configuration: TLSClientConfiguration) throws(TLSError) {
        if let range = configuration.protocolRangeOverride {
            try applyVersions(minimum: range.minimum, maximum: range.maximum)
        } else {
            try applyVersions(
                minimum: configuration.minimumVersion.openSSLValue, maximum: configuration.maximumVersion.openSSLValue)
        }
        try applyCiphers(tls12: configuration.cipherListOverride ?? Self.tls12Ciphers)
        _ = SSL_CTX_set_options(pointer, COpenSSL_SSL_OP_NO_COMPRESSION() | COpenSSL_SSL_OP_NO_RENEGOTIATION())
        applyBufferModes()

        guard configuration.verifyPeer else {
            SSL_CTX_set_verify(pointer, SSL_VERIFY_NONE, nil)
            return
        }
        SSL_CTX_set_verify(pointer, SSL_VERIFY_PEER, nil)
        OpenSSLErrorQueue.clear()
        if let caPath = configuration.caPath {
            if FileAccess.isDirectory(caPath) {
                try require(SSL_CTX_load_verify_dir(pointer, caPath) == 1, "cannot use CA directory \(caPath)")
            } else {
                _ = try FileAccess.read(caPath, role: "CA file")
                try require(
                    SSL_CTX_load_verify_file(pointer, caPath) == 1, "CA file \(caPath) contains no PEM certificate")
            }
        } else {
            try require(SSL_CTX_set_default_verify_paths(pointer) == 1, "cannot load the system CA certificates")
        }
    }

    private func applyVersions(minimum: Int32, maximum: Int32) throws(TLSError) {
        guard minimum <= maximum else {
            throw TLSError("TLS minimum version is newer than the maximum version")
        }
        OpenSSLErrorQueue.clear()
        try require(COpenSSL_SSL_CTX_set_min_proto_version(pointer, minimum) == 1, "cannot set the minimum TLS version")
        try require(COpenSSL_SSL_CTX_set_max_proto_version(pointer, maximum) == 1, "cannot set the maximum TLS version")
    }

    private func applyCiphers(tls12: String) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        try require(SSL_CTX_set_cipher_list(pointer, tls12) == 1, "cannot set TLS 1.2 cipher list \(tls12)")
        try require(SSL_CTX_set_ciphersuites(pointer, Self.tls13Suites) == 1, "cannot set TLS 1.3 cipher suites")
        try require(COpenSSL_SSL_CTX_set1_groups_list(pointer, Self.groups) == 1, "cannot set key exchange groups")
    }

    /// Idle connections hand their 16 KiB record buffers back to the allocator
    /// (RELEASE_BUFFERS); the BIO never blocks, so writes are never partial; no read-ahead,
    /// so OpenSSL takes exactly one record at a time from our input and nothing hides
    /// in its buffers between calls.
    private func applyBufferModes() {
        _ = COpenSSL_SSL_CTX_set_mode(pointer, COpenSSL_SSL_MODE_RELEASE_BUFFERS() | COpenSSL_SSL_MODE_AUTO_RETRY())
        _ = COpenSSL_SSL_CTX_clear_mode(pointer, COpenSSL_SSL_MODE_ENABLE_PARTIAL_WRITE())
        _ = COpenSSL_SSL_CTX_set_read_ahead(pointer, 0)
    }

    func require(_ condition: Bool, _ what: @autoclosure () -> String) throws(TLSError) {
        if !condition {
            throw .openSSL(what())
        }
    }
}
