import Foundation
import XCTest

@testable import TLS

final class DevCertificatesTests: XCTestCase {
    var directory: String!

    override func setUp() {
        directory = NSTemporaryDirectory() + "dev-certs-\(UUID().uuidString)/nested"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent)
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    private func contents(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    func testGenerateWritesFourFilesWithPrivateKeys0600() throws {
        let paths = try DevCertificates.generate(directory: directory)
        XCTAssertEqual(paths, DevCertificatePaths(directory: directory))
        for path in [paths.caCertificate, paths.caKey, paths.serverCertificate, paths.serverKey] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path), path)
        }
        XCTAssertEqual(try mode(paths.caKey), 0o600)
        XCTAssertEqual(try mode(paths.serverKey), 0o600)
        XCTAssertEqual(try mode(paths.caCertificate), 0o644)

        let serverPEM = String(decoding: try contents(paths.serverCertificate), as: UTF8.self)
        XCTAssertEqual(serverPEM.components(separatedBy: "-----BEGIN CERTIFICATE-----").count - 1, 2, "leaf then CA")
        let keyPEM = String(decoding: try contents(paths.serverKey), as: UTF8.self)
        XCTAssertTrue(keyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"), "PKCS#8")
    }

    func testExistingFilesAreNotOverwritten() throws {
        let paths = try DevCertificates.generate(directory: directory)
        let before = try [paths.caCertificate, paths.caKey, paths.serverCertificate, paths.serverKey].map(contents)
        XCTAssertEqual(try DevCertificates.generate(directory: directory), paths)
        let after = try [paths.caCertificate, paths.caKey, paths.serverCertificate, paths.serverKey].map(contents)
        XCTAssertEqual(before, after)

        try DevCertificates.generate(directory: directory, overwrite: true)
        XCTAssertNotEqual(try contents(paths.serverKey), before[3])
        XCTAssertEqual(try mode(paths.serverKey), 0o600)
    }

    func testPartialSetIsAnErrorNotAnOverwrite() throws {
        let paths = try DevCertificates.generate(directory: directory)
        try FileManager.default.removeItem(atPath: paths.serverKey)
        let ca = try contents(paths.caKey)
        XCTAssertThrowsError(try DevCertificates.generate(directory: directory)) { error in
            XCTAssertTrue("\(error)".contains("refusing to overwrite existing"), "\(error)")
        }
        XCTAssertEqual(try contents(paths.caKey), ca)
    }

    func testCustomHostsAndSummary() throws {
        let paths = try DevCertificates.generate(directory: directory, hosts: ["stream.test", "10.0.0.7"])
        let context = try TLSContext(
            server: TLSServerConfiguration(certificateChainPath: paths.serverCertificate, privateKeyPath: paths.serverKey))
        XCTAssertTrue(context.certificateSummary.hasPrefix("CN=stream.test, ECDSA P-256"), context.certificateSummary)

        let client = try TLSContext(client: TLSClientConfiguration(caPath: paths.caCertificate))
        for (name, accepted) in [("stream.test", true), ("10.0.0.7", true), ("localhost", false)] {
            let connection = try TLSConnection(clientContext: client, serverName: name)
            let results = Wire().handshake(client: connection, server: try TLSConnection(serverContext: context))
            XCTAssertEqual(results.client.isComplete, accepted, name)
        }
        XCTAssertThrowsError(try DevCertificates.generate(directory: directory + "2", hosts: ["a,b"]))
    }

    func testECKeyPair() throws {
        let pair = try DevCertificates.generateECKeyPair()
        XCTAssertTrue(pair.privatePKCS8PEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        XCTAssertTrue(pair.publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))

        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let privatePath = directory + "/jwt.key"
        let publicPath = directory + "/jwt.pub"
        try DevCertificates.writeECKeyPair(privateKeyPath: privatePath, publicKeyPath: publicPath)
        XCTAssertEqual(try mode(privatePath), 0o600)
        XCTAssertEqual(try mode(publicPath), 0o644)
        XCTAssertThrowsError(try DevCertificates.writeECKeyPair(privateKeyPath: privatePath, publicKeyPath: publicPath))
    }
}
