import Glibc

/// Whole small files read at start-up (certificates, keys, secrets,
/// revocation lists). Callers turn a `Failure` into an error that names the
/// file and says what to fix; the wording is theirs.
public enum FileContents {
    public enum ReadError: Error, Sendable, Equatable {
        /// open, fstat or read failed.
        case system(SystemError)
        case directory
        /// A FIFO, device or socket, refused when `regularOnly`.
        case notRegularFile
        /// More than `limit` bytes.
        case tooLarge(limit: Int)
    }

    /// The bytes of `path`, read to its end. `regularOnly` refuses anything
    /// but a regular file; otherwise only directories are refused, so a FIFO
    /// such as `<(...)` can be read.
    public static func read(_ path: String, limit: Int, regularOnly: Bool) throws(ReadError) -> [UInt8] {
        let fd = try call("open") { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var info = stat()
        try call("fstat") { fstat(fd, &info) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .directory
        default: if regularOnly { throw .notRegularFile }
        }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = try call("read") { chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[0..<count])
            if contents.count > limit { throw .tooLarge(limit: limit) }
        }
    }

    @discardableResult
    private static func call<T: FixedWidthInteger>(_ function: String, _ body: () -> T) throws(ReadError) -> T {
        do throws(SystemError) {
            return try syscallNoBlock(function, body)
        } catch {
            throw .system(error)
        }
    }
}
