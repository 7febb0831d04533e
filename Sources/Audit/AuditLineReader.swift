import Base
import Glibc

/// Reads a file line by line in large chunks, for verify and query: a 64 MiB log is
/// never held in memory at once.
final class AuditLineReader {
    let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var chunk = [UInt8](repeating: 0, count: 256 * 1024)

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
            if let newline = indexOfNewline() {
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

    private func indexOfNewline() -> Int? {
        buffer.withUnsafeBufferPointer { bytes in
            guard start < bytes.count, let base = bytes.baseAddress,
                let found = memchr(base + start, 0x0A, bytes.count - start)
            else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    private func fill() throws(AuditError) {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let count: Int
        do throws(SystemError) {
            count = try syscallNoBlock("read") { chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) } }
        } catch {
            throw AuditError("cannot read \(path): \(describe(error.errno))")
        }
        if count == 0 { atEnd = true }
        buffer.append(contentsOf: chunk[0..<count])
    }
}
