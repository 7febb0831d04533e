import Auth
import Foundation
import StreamServer
import TLS

/// Development certificates: made on demand so the first `serve` on a fresh
/// machine works, and never over an operator's own files.
enum DevCertificateSetup {
    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    static func ensure(configuration: ServerConfiguration, logger: Logger) throws {
        try ensureSigningKey(configuration: configuration, logger: logger)
        let files = FileManager.default
        let certExists = files.fileExists(atPath: configuration.certificate)
        let keyExists = files.fileExists(atPath: configuration.privateKey)
        if certExists && keyExists { return }
        guard configuration.generateDevCertificates else {
            let missing = certExists ? configuration.privateKey : configuration.certificate
            throw SetupError(description: "\(missing) does not exist (dev certificate generation is off)")
        }
        if certExists != keyExists {
            throw SetupError(description: "\(certExists ? configuration.privateKey : configuration.certificate) is missing but \(certExists ? configuration.certificate : configuration.privateKey) exists; refusing to replace half a pair. Remove it or pass both --cert and --key")
        }
        let directory = (configuration.certificate as NSString).deletingLastPathComponent
        let expectedCert = (directory as NSString).appendingPathComponent("server.pem")
        let expectedKey = (directory as NSString).appendingPathComponent("server.key")
        guard configuration.certificate == expectedCert || (directory.isEmpty && configuration.certificate == "server.pem"),
              configuration.privateKey == expectedKey || (directory.isEmpty && configuration.privateKey == "server.key")
        else {
            throw SetupError(description: "\(configuration.certificate) does not exist; dev certificates are only generated as DIR/server.pem and DIR/server.key (run `streamd certs dev --dir DIR`)")
        }
        let target = directory.isEmpty ? "." : directory
        try files.createDirectory(atPath: target, withIntermediateDirectories: true)
        let paths = try DevCertificates.generate(directory: target)
        logger.info("generated development certificates (trust the CA in clients; not for production)", [
            "ca": .string(paths.caCertificate), "certificate": .string(paths.serverCertificate),
            "key": .string(paths.serverKey),
        ])
    }

    /// The development token key pair, made when the shipped default key is
    /// configured and absent: `streamd token issue` then works out of the box.
    static func ensureSigningKey(configuration: ServerConfiguration, logger: Logger) throws {
        guard configuration.auth.usesDevelopmentKey, configuration.generateDevCertificates else { return }
        let publicPath = configuration.auth.keys[0].path
        let privatePath = configuration.auth.signingKey
        let files = FileManager.default
        if files.fileExists(atPath: publicPath) { return }
        let directory = (publicPath as NSString).deletingLastPathComponent
        if !directory.isEmpty { try files.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try DevCertificates.writeECKeyPair(privateKeyPath: privatePath, publicKeyPath: publicPath, overwrite: true)
        logger.info("generated a development token signing key (ES256, kid dev; not for production)", [
            "private": .string(privatePath), "public": .string(publicPath),
        ])
    }
}
