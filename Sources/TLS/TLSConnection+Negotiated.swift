internal import COpenSSL

/// What the handshake agreed on, and session resumption.
extension TLSConnection {
    /// "TLSv1.3", "TLSv1.2".
    public var protocolVersion: String {
        String(cString: SSL_get_version(ssl))
    }

    public var cipherName: String {
        guard let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher) else { return "" }
        return String(cString: name)
    }

    public var sessionWasReused: Bool {
        SSL_session_reused(ssl) == 1
    }

    /// The resumable session (client side), once the server has sent one: after the
    /// handshake for TLS 1.2, after the first `read` that processed a ticket for TLS 1.3.
    public var session: TLSSession? {
        guard let session = SSL_get1_session(ssl) else { return nil }
        let wrapped = TLSSession(taking: session)
        return wrapped.isResumable ? wrapped : nil
    }

    /// Offers `session` for resumption; call before the handshake.
    public func setSession(_ session: TLSSession) {
        _ = SSL_set_session(ssl, session.pointer)
    }
}
