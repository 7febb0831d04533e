import Glibc

/// Reads a file line by line in large chunks, for verify and query: a 64 MiB log is
/// never held in memory at once.
final class AuditLineReader {
    let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private static let chunkSize = 256 * 1024

    init(path: String) throws(AuditError) {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw AuditError("cannot read \(path): \(describe(errno))") }
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// The next line without its newline; `terminated` is false only for a last line
    /// that has no newline (a file cut short).
    func next() throws(AuditError) -> (line: [UInt8], terminated: Bool)? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                return (line, true)
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return (line, false)
            }
            try fill()
        }
    }

    private func fill() throws(AuditError) {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: Self.chunkSize))
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + old, Self.chunkSize) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                buffer.removeLast(Self.chunkSize)
                throw AuditError("cannot read \(path): \(describe(errno))")
            }
            buffer.removeLast(Self.chunkSize - count)
            if count == 0 { atEnd = true }
            return
        }
    }
}
