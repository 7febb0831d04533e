import Foundation
import XCTest

@testable import TLS

/// Start-up errors must name the file and the problem.
final class TLSContextTests: XCTestCase {
    var fixture: CertificateFixture!

    override func setUpWithError() throws {
        fixture = try CertificateFixture()
    }

    override func tearDown() {
        fixture.cleanUp()
    }

    private func serverError(certificate: String, key: String) -> String? {
        do {
            _ = try TLSContext(server: TLSServerConfiguration(certificateChainPath: certificate, privateKeyPath: key))
            return nil
        } catch {
            return error.message
        }
    }

    func testValidCertificateIsSummarized() throws {
        let context = try fixture.serverContext()
        XCTAssertTrue(context.certificateSummary.hasPrefix("CN=localhost, ECDSA P-256, expires "), context.certificateSummary)
        XCTAssertTrue(context.certificateSummary.hasSuffix(" UTC, chain of 2"), context.certificateSummary)
    }

    func testMissingCertificateFile() {
        let missing = fixture.path("missing.pem")
        XCTAssertEqual(
            serverError(certificate: missing, key: fixture.paths.serverKey),
            "certificate file \(missing) does not exist")
    }

    func testMissingKeyFile() {
        let missing = fixture.path("missing.key")
        XCTAssertEqual(
            serverError(certificate: fixture.paths.serverCertificate, key: missing),
            "private key file \(missing) does not exist")
    }

    func testUnreadableCertificateFile() throws {
        try XCTSkipIf(getuid() == 0, "root reads any file")
        let path = fixture.paths.serverCertificate
        XCTAssertEqual(chmod(path, 0), 0)
        XCTAssertEqual(
            serverError(certificate: path, key: fixture.paths.serverKey),
            "certificate file \(path) is not readable (permission denied)")
    }

    func testCertificateFileThatIsADirectory() {
        XCTAssertEqual(
            serverError(certificate: fixture.directory, key: fixture.paths.serverKey),
            "certificate file \(fixture.directory) is a directory, not a PEM file")
    }

    func testGarbageCertificateFile() throws {
        let garbage = try fixture.write("this is not a certificate\n", to: "garbage.pem")
        XCTAssertEqual(
            serverError(certificate: garbage, key: fixture.paths.serverKey),
            "certificate file \(garbage) contains no PEM certificate (expected a -----BEGIN CERTIFICATE----- block)")
    }

    func testKeyGivenAsCertificate() {
        let message = serverError(certificate: fixture.paths.serverKey, key: fixture.paths.serverKey)
        XCTAssertEqual(message?.hasPrefix("certificate file \(fixture.paths.serverKey) contains no PEM certificate"), true, message ?? "")
    }

    func testDamagedCertificateBlock() throws {
        let damaged = try fixture.write(
            "-----BEGIN CERTIFICATE-----\nAAAA!!!!\n-----END CERTIFICATE-----\n", to: "damaged.pem")
        let message = serverError(certificate: damaged, key: fixture.paths.serverKey)
        XCTAssertEqual(message?.hasPrefix("certificate file \(damaged) contains no valid PEM certificate"), true, message ?? "")
    }

    func testGarbageKeyFile() throws {
        let garbage = try fixture.write("not a key either\n", to: "garbage.key")
        let message = serverError(certificate: fixture.paths.serverCertificate, key: garbage)
        XCTAssertEqual(message?.hasPrefix("private key file \(garbage) contains no PEM private key"), true, message ?? "")
    }

    func testCertificateGivenAsKey() {
        let message = serverError(certificate: fixture.paths.serverCertificate, key: fixture.paths.serverCertificate)
        XCTAssertEqual(
            message?.hasPrefix("private key file \(fixture.paths.serverCertificate) contains no PEM private key"), true,
            message ?? "")
    }

    func testEncryptedKeyIsNamed() throws {
        let encrypted = try fixture.write(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAc\n-----END ENCRYPTED PRIVATE KEY-----\n",
            to: "encrypted.key")
        XCTAssertEqual(
            serverError(certificate: fixture.paths.serverCertificate, key: encrypted),
            "private key file \(encrypted) is encrypted; streamd needs an unencrypted PEM key")
    }

    func testKeyThatDoesNotMatchCertificate() throws {
        let otherKey = fixture.path("other.key")
        try DevCertificates.writeECKeyPair(privateKeyPath: otherKey, publicKeyPath: fixture.path("other.pub"))
        XCTAssertEqual(
            serverError(certificate: fixture.paths.serverCertificate, key: otherKey),
            "private key \(otherKey) does not match certificate \(fixture.paths.serverCertificate)")
        // The CA key belongs to the second certificate in the chain, not the leaf.
        XCTAssertEqual(
            serverError(certificate: fixture.paths.serverCertificate, key: fixture.paths.caKey),
            "private key \(fixture.paths.caKey) does not match certificate \(fixture.paths.serverCertificate)")
    }

    func testMissingCAFileForClient() {
        let missing = fixture.path("missing-ca.pem")
        XCTAssertThrowsError(try TLSContext(client: TLSClientConfiguration(caPath: missing))) { error in
            XCTAssertEqual((error as? TLSError)?.message, "CA file \(missing) does not exist")
        }
    }

    func testMinimumNewerThanMaximumIsRejected() {
        var configuration = TLSServerConfiguration(
            certificateChainPath: fixture.paths.serverCertificate, privateKeyPath: fixture.paths.serverKey)
        configuration.minimumVersion = .v1_3
        configuration.maximumVersion = .v1_2
        XCTAssertThrowsError(try TLSContext(server: configuration))
    }

    func testSystemDefaultVerifyPathsLoad() throws {
        _ = try TLSContext(client: TLSClientConfiguration())
    }
}
