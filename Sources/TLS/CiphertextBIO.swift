internal import COpenSSL

/// The BIO between OpenSSL and a `TLSConnection`: reads come from the connection's
/// leftover and borrowed input, writes go to its pending queue. One `BIO_METHOD` is
/// shared by all connections; each BIO's data pointer is its (unretained) connection.
enum CiphertextBIO {
    nonisolated(unsafe) static let method: OpaquePointer = {
        let type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK
        guard let method = BIO_meth_new(type, "streamd ciphertext") else {
            fatalError("BIO_meth_new failed: OpenSSL is out of memory")
        }
        BIO_meth_set_read(method, ciphertextBIORead)
        BIO_meth_set_write(method, ciphertextBIOWrite)
        BIO_meth_set_ctrl(method, ciphertextBIOControl)
        BIO_meth_set_create(method, ciphertextBIOCreate)
        BIO_meth_set_destroy(method, ciphertextBIODestroy)
        return method
    }()
}

extension TLSConnection {
    /// Copies out leftover ciphertext first, then borrowed input; 0 = nothing available.
    @inline(__always)
    func takeCiphertext(into destination: UnsafeMutableRawBufferPointer) -> Int {
        var copied = 0
        if !leftover.isEmpty {
            copied = leftover.read(into: destination)
            if leftover.isEmpty { leftover.releaseStorage() }
        }
        let available = borrowedInput.count - borrowedOffset
        if copied < destination.count, available > 0 {
            let n = min(destination.count - copied, available)
            (destination.baseAddress! + copied).copyMemory(from: borrowedInput.baseAddress! + borrowedOffset, byteCount: n)
            borrowedOffset += n
            copied += n
        }
        return copied
    }

    @inline(__always)
    var receivedCiphertextCount: Int {
        leftover.count + borrowedInput.count - borrowedOffset
    }
}

@inline(__always)
private func withConnection<R>(_ bio: OpaquePointer?, _ body: (TLSConnection) -> R) -> R? {
    guard let bio, let data = BIO_get_data(bio) else { return nil }
    // The connection is alive (it is inside an SSL call), so skip retain/release.
    return Unmanaged<TLSConnection>.fromOpaque(data)._withUnsafeGuaranteedRef(body)
}

private func ciphertextBIORead(_ bio: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ length: Int32) -> Int32 {
    COpenSSL_BIO_clear_retry_flags(bio)
    guard let buffer, length > 0 else { return 0 }
    let copied = withConnection(bio) { connection in
        connection.takeCiphertext(into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(length)))
    } ?? 0
    if copied == 0 {
        // Not end of stream: the event loop will bring more.
        COpenSSL_BIO_set_retry_read(bio)
        return -1
    }
    return Int32(copied)
}

private func ciphertextBIOWrite(_ bio: OpaquePointer?, _ data: UnsafePointer<CChar>?, _ length: Int32) -> Int32 {
    COpenSSL_BIO_clear_retry_flags(bio)
    guard let data, length > 0 else { return 0 }
    let accepted = withConnection(bio) { connection in
        connection.pending.append(UnsafeRawBufferPointer(start: data, count: Int(length)))
        return true
    } ?? false
    return accepted ? length : -1
}

private func ciphertextBIOControl(_ bio: OpaquePointer?, _ command: Int32, _ argument: Int, _ pointer: UnsafeMutableRawPointer?) -> Int {
    switch command {
    case BIO_CTRL_FLUSH:
        // Everything written is already queued; the event loop does the real flush.
        return 1
    case BIO_CTRL_PENDING:
        return withConnection(bio) { $0.receivedCiphertextCount } ?? 0
    case BIO_CTRL_WPENDING:
        return withConnection(bio) { $0.pending.count } ?? 0
    case BIO_CTRL_GET_CLOSE:
        return Int(BIO_get_shutdown(bio))
    case BIO_CTRL_SET_CLOSE:
        BIO_set_shutdown(bio, Int32(argument))
        return 1
    case BIO_CTRL_PUSH, BIO_CTRL_POP, BIO_CTRL_DUP:
        // No chain below us; nothing to do, but not a failure either.
        return 1
    case BIO_CTRL_EOF:
        return 0
    default:
        return 0
    }
}

private func ciphertextBIOCreate(_ bio: OpaquePointer?) -> Int32 {
    BIO_set_data(bio, nil)
    BIO_set_init(bio, 0)
    return 1
}

private func ciphertextBIODestroy(_ bio: OpaquePointer?) -> Int32 {
    guard let bio else { return 0 }
    BIO_set_data(bio, nil)
    BIO_set_init(bio, 0)
    return 1
}
