import Foundation
import TLS

/// `streamd keys generate`: an ES256 (EC P-256) key pair for signing tokens.
enum KeysCommand {
    static let help = """
    USAGE: streamd keys generate --kid KID [--dir DIR] [--force]

    Writes DIR/KID-private.pem (PKCS#8, 0600: keep it where tokens are issued)
    and DIR/KID-public.pem (what the server verifies with). Add the public key
    to the server configuration:
      "auth": {"keys": [{"kid": "KID", "algorithm": "ES256", "path": "DIR/KID-public.pem"}]}

    OPTIONS:
      --kid KID     key id, carried in each token's header (letters, digits, - and _)
      --dir DIR     where to write (default certs)
      --force       replace existing files
      -h, --help    show this help
    """

    static func run(_ arguments: [String]) -> Int32 {
        if let status = CommandOutput.subcommand("generate", of: "streamd keys", in: arguments, help: help) { return status }
        var reader = ArgumentReader(Array(arguments.dropFirst()))
        var kid: String?
        var directory = "certs"
        var force = false
        return CommandOutput.running("streamd keys generate", help: help) {
            while let flag = reader.nextFlag() {
                switch flag {
                case "-h", "--help": print(help); return 0
                case "--kid": kid = try reader.value(for: flag)
                case "--dir": directory = try reader.value(for: flag)
                case "--force": force = true
                default: throw ArgumentReader.UsageError("unknown option \(flag)")
                }
            }
            guard let kid else { throw ArgumentReader.UsageError("--kid is required (the key id tokens will name)") }
            guard !kid.isEmpty, kid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw ArgumentReader.UsageError("--kid may hold only letters, digits, '-' and '_'")
            }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let privatePath = (directory as NSString).appendingPathComponent("\(kid)-private.pem")
            let publicPath = (directory as NSString).appendingPathComponent("\(kid)-public.pem")
            try DevCertificates.writeECKeyPair(privateKeyPath: privatePath, publicKeyPath: publicPath, overwrite: force)
            print("wrote \(privatePath) (private, 0600)\n      \(publicPath) (public: add to auth.keys with kid \"\(kid)\", algorithm ES256)")
            return 0
        }
    }
}
