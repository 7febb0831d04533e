internal import COpenSSL

public enum TLSHandshakeResult: Sendable {
    case complete
    /// Feed more ciphertext (and send whatever is pending first).
    case wantRead
    /// Send the pending ciphertext (it may hold an alert for the peer), then close.
    case failed(TLSError)
}

public enum TLSReadResult: Sendable {
    case bytes(Int)
    case wantRead
    /// The peer sent close_notify.
    case closed
    case failed(TLSError)
}

/// One TLS session over memory: ciphertext goes in through `withReceivedCiphertext`,
/// plaintext comes out of `read`, plaintext goes in through `write`, ciphertext comes
/// out of `withPendingCiphertext`. No socket, no blocking; the event loop decides when
/// bytes move. Used by one thread at a time.
///
/// After any call, check `hasPendingCiphertext`: handshakes, session tickets, key
/// updates and alerts all produce output, not only `write`.
public final class TLSConnection {
    let ssl: OpaquePointer

    /// Ciphertext lent by the caller for the duration of `withReceivedCiphertext`.
    var borrowedInput = UnsafeRawBufferPointer(start: nil, count: 0)
    var borrowedOffset = 0
    /// Received ciphertext OpenSSL has not taken yet (a partial record); read before
    /// `borrowedInput` because it arrived first.
    var leftover = ByteQueue()
    /// Encrypted bytes waiting for the socket.
    var pending = ByteQueue()

    /// A drained output buffer larger than this is freed rather than kept, so one burst
    /// does not pin memory for the life of the connection.
    static let retainedOutputCapacity = 64 * 1024

    public convenience init(serverContext: TLSContext) throws(TLSError) {
        guard serverContext.isServer else {
            throw TLSError("a server TLS connection needs a server TLS context")
        }
        try self.init(context: serverContext)
        SSL_set_accept_state(ssl)
    }

    /// Sets SNI (for a DNS name) and the name or IP address the certificate must match.
    public convenience init(clientContext: TLSContext, serverName: String) throws(TLSError) {
        guard !clientContext.isServer else {
            throw TLSError("a client TLS connection needs a client TLS context")
        }
        try self.init(context: clientContext)
        SSL_set_connect_state(ssl)
        try configurePeerName(serverName, verify: clientContext.verifiesPeer)
    }

    private init(context: TLSContext) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.pointer) else {
            throw .openSSL("cannot create a TLS connection")
        }
        self.ssl = ssl
        // The BIO points back at us without a retain: the SSL owns the BIO and we own
        // the SSL, so the BIO can never outlive us.
        guard let bio = BIO_new(CiphertextBIO.method) else {
            throw .openSSL("cannot create the TLS transport BIO")
        }
        BIO_set_data(bio, Unmanaged.passUnretained(self).toOpaque())
        BIO_set_init(bio, 1)
        SSL_set_bio(ssl, bio, bio)  // one reference, used for both directions
    }

    deinit {
        if let bio = SSL_get_rbio(ssl) {
            BIO_set_data(bio, nil)
        }
        SSL_free(ssl)
    }

    private func configurePeerName(_ serverName: String, verify: Bool) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        let isIP = FileAccess.isIPAddress(serverName)
        if !isIP {
            // RFC 6066: SNI carries DNS names only, never literal addresses.
            guard COpenSSL_SSL_set_tlsext_host_name(ssl, serverName) == 1 else {
                throw .openSSL("cannot set TLS server name \(serverName)")
            }
        }
        guard verify else { return }
        if isIP {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) == 1 else {
                throw .openSSL("cannot verify against IP address \(serverName)")
            }
        } else {
            X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(ssl), UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard SSL_set1_host(ssl, serverName) == 1 else {
                throw .openSSL("cannot verify against host name \(serverName)")
            }
        }
    }

    // MARK: - Ciphertext in

    /// Lends `bytes` to the TLS calls made inside `body`; whatever OpenSSL has not
    /// consumed when `body` returns is copied into the connection's leftover buffer.
    public func withReceivedCiphertext<R>(_ bytes: UnsafeRawBufferPointer, _ body: () throws -> R) rethrows -> R {
        precondition(borrowedInput.baseAddress == nil, "withReceivedCiphertext must not be nested")
        borrowedInput = bytes
        borrowedOffset = 0
        defer {
            let unconsumed = UnsafeRawBufferPointer(rebasing: borrowedInput[borrowedOffset...])
            borrowedInput = UnsafeRawBufferPointer(start: nil, count: 0)
            borrowedOffset = 0
            if unconsumed.isEmpty {
                leftover.releaseStorage()
            } else {
                leftover.append(unconsumed)
            }
        }
        return try body()
    }

    // MARK: - Handshake

    public func handshake() -> TLSHandshakeResult {
        OpenSSLErrorQueue.clear()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .complete }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .wantRead
        case let code:
            return .failed(failure(code, during: "TLS handshake"))
        }
    }

    public var isHandshakeComplete: Bool {
        SSL_is_init_finished(ssl) == 1
    }

    // MARK: - Plaintext

    /// Decrypts into `buffer`. Call until `.wantRead`: one call returns at most one record.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> TLSReadResult {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        OpenSSLErrorQueue.clear()
        var count = 0
        let rc = SSL_read_ex(ssl, base, buffer.count, &count)
        if rc == 1 { return .bytes(count) }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .wantRead
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        case let code:
            return .failed(failure(code, during: "TLS read"))
        }
    }

    /// Encrypts all of `plaintext` (as many records as needed) into the pending ciphertext.
    public func write(_ plaintext: UnsafeRawBufferPointer) throws(TLSError) {
        guard let base = plaintext.baseAddress, plaintext.count > 0 else { return }
        // Size the output once: each record adds at most 5 header + 8 nonce + 16 tag
        // bytes (TLS 1.2 GCM; TLS 1.3 adds 5 + 1 + 16).
        let records = (plaintext.count + 16383) / 16384
        pending.reserveForAppending(plaintext.count + records * 32)
        OpenSSLErrorQueue.clear()
        var offset = 0
        while offset < plaintext.count {
            var written = 0
            let rc = SSL_write_ex(ssl, base + offset, plaintext.count - offset, &written)
            if rc == 1 {
                offset += written
                continue
            }
            switch SSL_get_error(ssl, rc) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                throw TLSError("TLS write before the handshake completed")
            case let code:
                throw failure(code, during: "TLS write")
            }
        }
    }

    /// Queues close_notify into the pending ciphertext.
    public func shutdown() {
        OpenSSLErrorQueue.clear()
        // 0 = sent, peer's not yet seen; -1 after a fatal error or mid-handshake, when
        // there is nothing useful to send anyway.
        _ = SSL_shutdown(ssl)
        OpenSSLErrorQueue.clear()
    }

    // MARK: - Ciphertext out

    public var hasPendingCiphertext: Bool { !pending.isEmpty }

    public var pendingCiphertextCount: Int { pending.count }

    /// Calls `body` with the pending ciphertext (only when there is some); `body` returns
    /// how many bytes it sent and those are dropped. Do not call TLS methods inside `body`.
    public func withPendingCiphertext(_ body: (UnsafeRawBufferPointer) -> Int) {
        guard !pending.isEmpty else { return }
        let sent = body(pending.readableBytes)
        pending.consume(sent)
        if pending.isEmpty, pending.capacity > Self.retainedOutputCapacity {
            pending.releaseStorage()
        }
    }

    /// Hands buffer memory back when nothing is pending (call when the connection goes idle).
    public func releaseIdleMemory() {
        pending.releaseStorage()
        leftover.releaseStorage()
        _ = SSL_free_buffers(ssl)
    }

    /// Bytes of buffer capacity this connection holds on the Swift side (tests, metrics).
    var bufferCapacity: Int { pending.capacity + leftover.capacity }

    // MARK: - Errors

    private func failure(_ code: Int32, during operation: String) -> TLSError {
        var what: String
        switch code {
        case SSL_ERROR_ZERO_RETURN:
            what = "\(operation): the peer closed the TLS session"
        case SSL_ERROR_SYSCALL:
            // Our BIO never reports end of stream, so this means the session already
            // failed earlier and OpenSSL refuses to go on.
            what = "\(operation): the TLS session is no longer usable after an earlier failure"
        default:
            what = "\(operation) failed"
        }
        let verification = SSL_get_verify_result(ssl)
        if verification != X509_V_OK {
            what += ": certificate verification failed: \(String(cString: X509_verify_cert_error_string(verification)))"
        }
        return .openSSL(what)
    }
}
