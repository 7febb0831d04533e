import Base

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few file operations TLS needs at start-up, with errors that name the file and
/// say what is wrong with it ("certificate file /x does not exist").
enum FileAccess {
    /// Largest PEM file we are willing to load; real chains are a few KiB.
    static let maximumPEMSize = 1 << 20

    /// Reads a whole (small) file. `role` names it in errors, e.g. "certificate file".
    static func read(_ path: String, role: String) throws(TLSError) -> [UInt8] {
        let contents: [UInt8]
        do throws(FileContents.ReadError) {
            contents = try FileContents.read(path, limit: maximumPEMSize, regularOnly: false)
        } catch {
            switch error {
            case .system(let failure): throw TLSError("\(role) \(path) \(describe(errno: failure.errno))")
            case .directory, .notRegularFile: throw TLSError("\(role) \(path) is a directory, not a PEM file")
            case .tooLarge: throw TLSError("\(role) \(path) is larger than \(maximumPEMSize) bytes; expected a PEM file")
            }
        }
        if contents.isEmpty {
            throw TLSError("\(role) \(path) is empty")
        }
        return contents
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Writes `contents` with permission `mode`. Unless `overwrite`, an existing file is
    /// an error (O_EXCL), so a generated key can never silently replace a real one.
    static func write(_ contents: [UInt8], to path: String, mode: mode_t, overwrite: Bool) throws(TLSError) {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, mode)
        if fd < 0 {
            if errno == EEXIST {
                throw TLSError("refusing to overwrite existing file \(path)")
            }
            throw TLSError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // An overwritten file keeps its old mode unless we set it again.
        if fchmod(fd, mode) != 0 {
            throw TLSError("cannot set permissions of \(path): \(String(cString: strerror(errno)))")
        }
        var offset = 0
        while offset < contents.count {
            do throws(SystemError) {
                offset += try syscallNoBlock("write") { contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) } }
            } catch {
                throw TLSError("cannot write \(path): \(String(cString: strerror(error.errno)))")
            }
        }
    }

    /// `mkdir -p` with mode 0755 for each created level.
    static func createDirectory(_ path: String) throws(TLSError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !isDirectory(prefix), mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw TLSError("cannot create directory \(prefix): \(String(cString: strerror(errno)))")
            }
            prefix += "/"
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    private static func describe(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "does not exist"
        case EACCES, EPERM: return "is not readable (permission denied)"
        case ENOTDIR: return "does not exist (a parent is not a directory)"
        default: return "cannot be read: \(String(cString: strerror(code)))"
        }
    }
}
