import Foundation
import TLS

/// `streamd certs dev`: a development CA and a server certificate, made with OpenSSL.
enum CertsCommand {
    static let help = """
    USAGE: streamd certs dev [--dir DIR] [--host NAME]... [--force]

    Creates DIR/ca.pem and DIR/ca.key (a development CA, EC P-256) and
    DIR/server.pem and DIR/server.key (a server certificate signed by it, for
    localhost, 127.0.0.1 and ::1 unless --host is given). Keys are written 0600.
    Existing files are kept unless --force. For development and tests only.

    OPTIONS:
      --dir DIR      where to write (default certs)
      --host NAME    a DNS name or IP address for the certificate (repeatable)
      --force        replace existing files
      -h, --help     show this help
    """

    static func run(_ arguments: [String]) -> Int32 {
        if let status = CommandOutput.subcommand("dev", of: "streamd certs", in: arguments, help: help) { return status }
        var reader = ArgumentReader(Array(arguments.dropFirst()))
        var directory = "certs"
        var hosts: [String] = []
        var force = false
        do {
            while let flag = reader.nextFlag() {
                switch flag {
                case "-h", "--help": print(help); return 0
                case "--dir": directory = try reader.value(for: flag)
                case "--host": hosts.append(try reader.value(for: flag))
                case "--force": force = true
                default: throw ArgumentReader.UsageError("unknown option \(flag)")
                }
            }
            if let extra = reader.positionals.first { throw ArgumentReader.UsageError("unexpected argument '\(extra)'") }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let paths = try DevCertificates.generate(
                directory: directory, hosts: hosts.isEmpty ? ["localhost", "127.0.0.1", "::1"] : hosts, overwrite: force)
            print("""
            wrote \(paths.caCertificate) (dev CA: clients trust this)
                  \(paths.caKey)
                  \(paths.serverCertificate) (server certificate)
                  \(paths.serverKey)
            """)
            return 0
        } catch {
            FileHandle.standardError.write(Data("streamd certs dev: \(error)\n".utf8))
            return 1
        }
    }
}
