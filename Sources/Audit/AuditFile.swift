import Base
import Glibc

/// The current file of an audit log family, opened for appending and locked against a
/// second writer, plus the rotation of its older files (`path.1` is the newest rotated).
/// Owned by one thread at a time: `AuditLog.init`, then the writer thread.
final class AuditFile {
    let path: String
    private(set) var descriptor: Int32
    /// Bytes of whole lines in the file; a failed write is cut back to this.
    private(set) var size: Int
    private var truncationPending = false

    init(path: String) throws(AuditError) {
        self.path = path
        descriptor = try Self.openLocked(path)
        var info = stat()
        if fstat(descriptor, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG {
            Glibc.close(descriptor)
            throw AuditError("audit log \(path) is not a regular file")
        }
        size = Int(info.st_size)
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Appends whole lines with one write(2) (more only if the kernel writes short).
    /// On failure the file is cut back to its last whole line and errno is returned.
    func append(_ bytes: [UInt8]) -> Int32? {
        if truncationPending {
            if ftruncate(descriptor, off_t(size)) != 0 { return errno }
            truncationPending = false
        }
        var done = 0
        while done < bytes.count {
            do throws(SystemError) {
                done += try syscallNoBlock("write") {
                    bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + done, $0.count - done) }
                }
            } catch {
                if done > 0 && ftruncate(descriptor, off_t(size)) != 0 { truncationPending = true }
                return error.errno
            }
        }
        size += bytes.count
        return nil
    }

    func sync() -> Int32? {
        fsync(descriptor) == 0 ? nil : errno
    }

    /// path.(k) → path.(k+1) for k = keepFiles-1 … 1 (so path.keepFiles is replaced), then
    /// path → path.1 and a fresh, empty path. Until the fresh file is open the old
    /// descriptor stays in use (it now names path.1), so a failure never loses a line.
    func rotate(keepFiles: Int, syncDirectory: Bool) -> String? {
        for index in stride(from: keepFiles - 1, through: 1, by: -1) {
            if rename("\(path).\(index)", "\(path).\(index + 1)") != 0 && errno != ENOENT {
                return "cannot rename \(path).\(index) to \(path).\(index + 1): \(describe(errno))"
            }
        }
        if rename(path, "\(path).1") != 0 && errno != ENOENT {
            return "cannot rename \(path) to \(path).1: \(describe(errno))"
        }
        let fresh: Int32
        do {
            fresh = try Self.openLocked(path)
        } catch {
            return error.description
        }
        Glibc.close(descriptor)
        descriptor = fresh
        size = 0
        truncationPending = false
        if syncDirectory { Self.syncDirectory(of: path) }
        return nil
    }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    private static func openLocked(_ path: String) throws(AuditError) -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        if fd < 0 {
            let code = errno
            if code == ENOENT {
                throw AuditError("cannot create audit log \(path): directory \(directory(of: path)) does not exist")
            }
            throw AuditError("cannot open audit log \(path): \(describe(code))")
        }
        // Two writers on one file would interleave two chains; flock makes the second fail.
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            Glibc.close(fd)
            if code == EWOULDBLOCK {
                throw AuditError("audit log \(path) is already open for writing (another streamd, or a second AuditLog)")
            }
            throw AuditError("cannot lock audit log \(path): \(describe(code))")
        }
        return fd
    }

    /// Makes a rename or a new file durable: fsync on the file alone does not record its name.
    static func syncDirectory(of path: String) {
        let fd = open(directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            Glibc.close(fd)
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last line of `path` without its newline, and whether the newline was there.
    /// Nil when the file is missing or empty. Reads backwards, so a huge log costs one chunk.
    static func lastLine(of path: String) throws(AuditError) -> (line: [UInt8], complete: Bool)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw AuditError("cannot read audit log \(path): \(describe(errno))")
        }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw AuditError("cannot read audit log \(path): \(describe(errno))") }
        var offset = Int(info.st_size)
        if offset == 0 { return nil }
        var tail: [UInt8] = []
        let chunkSize = 64 * 1024
        while offset > 0 {
            let start = max(0, offset - chunkSize)
            var chunk = [UInt8](repeating: 0, count: offset - start)
            var filled = 0
            while filled < chunk.count {
                let count: Int
                do throws(SystemError) {
                    count = try syscallNoBlock("pread") {
                        chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, $0.count - filled, off_t(start + filled)) }
                    }
                } catch {
                    throw AuditError("cannot read audit log \(path): \(describe(error.errno))")
                }
                // The file shrank while being read.
                if count == 0 { throw AuditError("cannot read audit log \(path): \(describe(errno))") }
                filled += count
            }
            tail = chunk + tail
            offset = start
            // The newline that ends the line before the last one, if this chunk holds it.
            let newline: Int? = tail.withUnsafeBufferPointer { bytes in
                var index = bytes.count - 2
                while index >= 0 && bytes[index] != 0x0A { index -= 1 }
                return index >= 0 ? index : nil
            }
            if let newline {
                tail.removeSubrange(0...newline)
                break
            }
        }
        let complete = tail.last == UInt8(ascii: "\n")
        if complete { tail.removeLast() }
        return (tail, complete)
    }
}

func describe(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// Operator messages go to stderr in one write(2), so lines from threads do not interleave.
func warn(_ message: String) {
    let bytes = Array("audit: \(message)\n".utf8)
    _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}
