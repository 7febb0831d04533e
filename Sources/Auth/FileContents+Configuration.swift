import Base
import Glibc

extension FileContents {
    /// A key, secret or revocation list: a regular file of at most `limit`
    /// bytes, with errors that read "<path>: <problem>".
    static func configurationFile(_ path: String, limit: Int) throws(AuthConfigurationError) -> [UInt8] {
        do throws(ReadError) {
            return try read(path, limit: limit, regularOnly: true)
        } catch {
            switch error {
            case .system(let failure): throw AuthConfigurationError("\(path): \(String(cString: strerror(failure.errno)))")
            case .directory, .notRegularFile: throw AuthConfigurationError("\(path): not a regular file")
            case .tooLarge(let limit): throw AuthConfigurationError("\(path): larger than \(limit) bytes; is this the right file?")
            }
        }
    }
}
