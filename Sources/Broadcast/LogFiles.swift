import Base
import Glibc

/// The durable log's file calls: each goes through Base's `syscallNoBlock`
/// (EINTR retried) and turns a failure into an error naming the call, the file
/// and errno.
enum LogFiles {
    static func failure(_ call: String, _ path: String, _ code: Int32) -> DurableLogError {
        DurableLogError("\(call)(\(path)): \(String(cString: strerror(code))) (errno \(code))")
    }

    /// Runs `body` until it does not fail with EINTR.
    @discardableResult
    static func retrying<R: FixedWidthInteger>(_ call: String, _ path: String, _ body: () -> R) throws(DurableLogError) -> R {
        do throws(SystemError) {
            return try syscallNoBlock(call, body)
        } catch {
            throw failure(call, path, error.errno)
        }
    }

    static func open(_ path: String, _ flags: Int32) throws(DurableLogError) -> Int32 {
        try retrying("open", path) { Glibc.open(path, flags | O_CLOEXEC, 0o644) }
    }

    static func close(_ fd: Int32) {
        // Not retried: on Linux the descriptor is gone even when close reports EINTR.
        _ = Glibc.close(fd)
    }

    /// Writes all of `bytes`, continuing after short writes.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(DurableLogError) {
        var offset = 0
        while offset < bytes.count {
            offset += try retrying("write", path) {
                bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset) }
            }
        }
    }

    static func readAll(_ path: String) throws(DurableLogError) -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try retrying("read", path) {
                chunk.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress!, raw.count) }
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    static func fsync(_ fd: Int32, path: String) throws(DurableLogError) {
        try retrying("fsync", path) { Glibc.fsync(fd) }
    }

    /// Makes a new or removed directory entry durable.
    static func fsyncDirectory(_ path: String) throws(DurableLogError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    static func truncate(_ fd: Int32, to length: Int, path: String) throws(DurableLogError) {
        try retrying("ftruncate", path) { Glibc.ftruncate(fd, off_t(length)) }
    }

    static func truncate(_ path: String, to length: Int) throws(DurableLogError) {
        let fd = try open(path, O_WRONLY)
        defer { close(fd) }
        try truncate(fd, to: length, path: path)
        try fsync(fd, path: path)
    }

    /// Removes `path`; one already gone is not an error.
    static func unlinkIfPresent(_ path: String) throws(DurableLogError) {
        do throws(SystemError) {
            try syscallNoBlock("unlink") { Glibc.unlink(path) }
        } catch {
            if error.errno != ENOENT { throw failure("unlink", path, error.errno) }
        }
    }

    /// mkdir -p: creates each missing component; existing ones are fine.
    static func makeDirectories(_ path: String) throws(DurableLogError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if Glibc.mkdir(prefix, 0o755) != 0 {
                let code = errno
                var info = stat()
                guard code == EEXIST, stat(prefix, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                    throw failure("mkdir", prefix, code == EEXIST ? ENOTDIR : code)
                }
            }
            prefix += "/"
        }
    }

    static func entries(of directory: String) throws(DurableLogError) -> [String] {
        guard let handle = opendir(directory) else { throw failure("opendir", directory, errno) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            names.append(name)
        }
        return names
    }
}
