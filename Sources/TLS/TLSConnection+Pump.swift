/// The byte pump between a socket and a `TLSConnection`, written once for the
/// server, the bench's event-loop client and the blocking client. TLS never
/// sees the socket: the caller passes its own send (non-blocking or not) and
/// consumes plaintext in its own way; the pump only decides what happens next.
/// Inlinable, so the hot path (one send per connection per loop turn) pays
/// for no closure context.
public enum CiphertextDrain: Sendable, Hashable {
    /// Nothing is pending any more.
    case drained
    /// The socket would block; the rest waits for it to become writable.
    case blocked
}

/// Why `readPlaintext` stopped.
public enum PlaintextEnd: Sendable {
    /// TLS needs more ciphertext from the socket.
    case wantRead
    /// The consumer asked to stop.
    case stopped
    /// The peer sent close_notify: it will send nothing more.
    case closed
    case failed(TLSError)
}

extension TLSConnection {
    /// Hands the pending ciphertext to `send` until none is left or the socket
    /// would block. `send` returns how many bytes the socket took, or nil when
    /// it would block; its error ends the pump and is rethrown.
    @inlinable @inline(__always)
    public func sendPendingCiphertext<E: Error>(
        through send: (UnsafeRawBufferPointer) throws(E) -> Int?
    ) throws(E) -> CiphertextDrain {
        while hasPendingCiphertext {
            var blocked = false
            var failure: E?
            withPendingCiphertext { bytes in
                do throws(E) {
                    guard let sent = try send(bytes) else {
                        blocked = true
                        return 0
                    }
                    return sent
                } catch {
                    failure = error
                    return 0
                }
            }
            if let failure { throw failure }
            if blocked { return .blocked }
        }
        return .drained
    }

    /// Decrypts what the received ciphertext holds into `buffer`, one record
    /// at a time, handing each chunk to `consume` (which returns false to
    /// stop), until TLS wants more ciphertext, the peer closed, or it failed.
    @inlinable @inline(__always)
    public func readPlaintext(
        into buffer: UnsafeMutableRawBufferPointer, _ consume: (UnsafeRawBufferPointer) throws -> Bool
    ) rethrows -> PlaintextEnd {
        while true {
            switch read(into: buffer) {
            case .bytes(let count):
                guard count > 0, try consume(UnsafeRawBufferPointer(rebasing: buffer[..<count])) else { return .stopped }
            case .wantRead:
                return .wantRead
            case .closed:
                return .closed
            case .failed(let error):
                return .failed(error)
            }
        }
    }
}
