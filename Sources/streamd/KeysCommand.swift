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
        guard arguments.first == "generate" else {
            if arguments.first == "-h" || arguments.first == "--help" { print(help); return 0 }
            return CommandOutput.usageError("streamd keys: expected the subcommand 'generate'", help: help)
        }
        var reader = ArgumentReader(Array(arguments.dropFirst()))
        var kid: String?
        var directory = "certs"
        var force = false
        do {
            while let flag = reader.nextFlag() {
                switch flag {
                case "-h", "--help": print(help); return 0
                case "--kid": kid = try reader.value(for: flag)
                case "--dir": directory = try reader.value(for: flag)
                case "--force": force = true
                default: throw ArgumentReader.Problem("unknown option \(flag)")
                }
            }
            guard let kid else { throw ArgumentReader.Problem("--kid is required (the key id tokens will name)") }
            guard !kid.isEmpty, kid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw ArgumentReader.Problem("--kid may hold only letters, digits, '-' and '_'")
            }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let privatePath = (directory as NSString).appendingPathComponent("\(kid)-private.pem")
            let publicPath = (directory as NSString).appendingPathComponent("\(kid)-public.pem")
            try DevCertificates.writeECKeyPair(privateKeyPath: privatePath, publicKeyPath: publicPath, overwrite: force)
            print("wrote \(privatePath) (private, 0600)\n      \(publicPath) (public: add to auth.keys with kid \"\(kid)\", algorithm ES256)")
            return 0
        } catch let problem as ArgumentReader.Problem {
            return CommandOutput.usageError("streamd keys generate: \(problem)", help: help)
        } catch {
            return CommandOutput.failure("streamd keys generate: \(error)")
        }
    }
}

enum CommandOutput {
    static func usageError(_ message: String, help: String) -> Int32 {
        FileHandle.standardError.write(Data("\(message)\n\n\(help)\n".utf8))
        return 2
    }

    static func failure(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        return 1
    }
}
