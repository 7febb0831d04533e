import Base

/// The revoked token ids (`jti`) file: one id per line; blank lines and
/// lines starting with `#` are ignored; surrounding whitespace is trimmed.
public enum RevocationList {
    static let sizeLimit = 64 << 20

    public static func load(path: String) throws(AuthConfigurationError) -> Set<String> {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.configurationFile(path, limit: sizeLimit)
        } catch {
            throw AuthConfigurationError("revocation list \(error.description)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw AuthConfigurationError("revocation list \(path): not UTF-8 text")
        }
        var ids: Set<String> = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let id = line.trimmingASCIIWhitespace()
            if id.isEmpty || id.hasPrefix("#") { continue }
            ids.insert(id)
        }
        return ids
    }
}
