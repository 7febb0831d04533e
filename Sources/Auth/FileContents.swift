import Glibc

/// Reads small configuration files (keys, secrets, revocation lists) with
/// errors that name the file and say what went wrong.
enum FileContents {
    static func read(_ path: String, limit: Int) throws(AuthConfigurationError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw AuthConfigurationError("\(path): \(errnoText())")
        }
        defer { close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw AuthConfigurationError("\(path): \(errnoText())")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw AuthConfigurationError("\(path): not a regular file")
        }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw AuthConfigurationError("\(path): \(errnoText())")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit {
                throw AuthConfigurationError("\(path): larger than \(limit) bytes; is this the right file?")
            }
        }
        return bytes
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
