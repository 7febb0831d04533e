import Foundation

/// The options every client command shares: where the server is, how to
/// trust it, and which token to send.
struct ClientOptions {
    var url: String
    var token: String?
    var tokenFile: String?
    var ca: String?

    init(defaultURL: String) { url = defaultURL }

    /// Consumes `flag` when it is one of these options; false for the
    /// command's own flags.
    mutating func take(_ flag: String, from reader: inout ArgumentReader) throws -> Bool {
        switch flag {
        case "--url": url = try reader.value(for: flag)
        case "--token": token = try reader.value(for: flag)
        case "--token-file": tokenFile = try reader.value(for: flag)
        case "--ca": ca = try reader.value(for: flag)
        default: return false
        }
        return true
    }

    /// The token from `--token` or `--token-file` (trimmed), never both.
    func bearer() throws -> String {
        switch (token, tokenFile) {
        case (let token?, nil): return token
        case (nil, let file?):
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ArgumentReader.UsageError("cannot read the token file \(file)")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        case (nil, nil): throw ArgumentReader.UsageError("give --token or --token-file")
        default: throw ArgumentReader.UsageError("give --token or --token-file, not both")
        }
    }

    /// `--ca`, else the dev CA in certs/ when present, else the system store (nil).
    var caPath: String? {
        ca ?? (FileManager.default.fileExists(atPath: "certs/ca.pem") ? "certs/ca.pem" : nil)
    }
}
