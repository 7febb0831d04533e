internal import COpenSSL

/// A resumable TLS session (client side): hand it to the next connection to the same
/// server with `TLSConnection.setSession(_:)` to skip the full handshake.
/// `SSL_SESSION` is reference counted and not modified once resumable, so sharing is safe.
public final class TLSSession: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        SSL_SESSION_free(pointer)
    }

    var isResumable: Bool {
        SSL_SESSION_is_resumable(pointer) == 1
    }
}
