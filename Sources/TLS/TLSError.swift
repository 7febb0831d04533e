internal import COpenSSL

/// A TLS failure, worded for the operator: it names the file, the peer check or the
/// OpenSSL call that failed, followed by whatever OpenSSL put on its error queue.
public struct TLSError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public var description: String { message }

    init(_ message: String) {
        self.message = message
    }

    /// `what` followed by the drained OpenSSL error queue, if it holds anything.
    static func openSSL(_ what: String) -> TLSError {
        let queued = OpenSSLErrorQueue.drain()
        return TLSError(queued.isEmpty ? what : "\(what): \(queued.joined(separator: "; "))")
    }
}

/// OpenSSL keeps a per-thread error queue; a stale entry from an earlier call would
/// make `SSL_get_error` misreport, so every call site clears it first.
enum OpenSSLErrorQueue {
    @inline(__always)
    static func clear() {
        // Peeking is a pointer comparison; ERR_clear_error walks all sixteen slots.
        if ERR_peek_error() != 0 {
            ERR_clear_error()
        }
    }

    /// Removes and returns every queued error, oldest first, as human-readable text.
    static func drain() -> [String] {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            messages.append(String(nulTerminated: text))
        }
        return messages
    }
}

extension String {
    /// Text of a NUL-terminated C character array (a filled-in C buffer).
    init(nulTerminated characters: [CChar]) {
        self.init(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
