import XCTest

@testable import TLS

/// The client refuses servers it cannot verify; the server refuses legacy clients.
final class TLSVerificationTests: XCTestCase {
    var fixture: CertificateFixture!
    var serverContext: TLSContext!
    let wire = Wire()

    override func setUpWithError() throws {
        fixture = try CertificateFixture()
        serverContext = try fixture.serverContext()
    }

    override func tearDown() {
        fixture.cleanUp()
    }

    private func handshake(
        _ context: TLSContext, serverName: String = "localhost"
    ) throws -> (client: TLSHandshakeResult, server: TLSHandshakeResult) {
        let client = try TLSConnection(clientContext: context, serverName: serverName)
        let server = try TLSConnection(serverContext: serverContext)
        return wire.handshake(client: client, server: server)
    }

    func testWrongCAFailsVerification() throws {
        let other = try CertificateFixture()
        defer { other.cleanUp() }
        let results = try handshake(try other.clientContext())
        let error = try XCTUnwrap(results.client.failure, "client accepted a server from another CA")
        XCTAssertTrue(error.message.contains("certificate verification failed"), error.message)
        XCTAssertTrue(error.message.contains("certificate verify failed"), error.message)
        XCTAssertNotNil(results.server.failure, "the server sees the client's alert")
    }

    func testHostnameMismatchFails() throws {
        let results = try handshake(try fixture.clientContext(), serverName: "example.com")
        let error = try XCTUnwrap(results.client.failure)
        XCTAssertTrue(error.message.contains("hostname mismatch"), error.message)
    }

    func testIPAddressesAreVerifiedAgainstSubjectAltNames() throws {
        XCTAssertTrue(try handshake(try fixture.clientContext(), serverName: "127.0.0.1").client.isComplete)
        XCTAssertTrue(try handshake(try fixture.clientContext(), serverName: "::1").client.isComplete)
        let error = try XCTUnwrap(try handshake(try fixture.clientContext(), serverName: "10.1.2.3").client.failure)
        XCTAssertTrue(error.message.contains("IP address mismatch"), error.message)
    }

    func testVerificationCanBeDisabled() throws {
        let other = try CertificateFixture()
        defer { other.cleanUp() }
        let context = try other.clientContext { $0.verifyPeer = false }
        XCTAssertTrue(try handshake(context, serverName: "example.com").client.isComplete)
    }

    func testServerRejectsNonAEADCipherOnlyClient() throws {
        let legacy = try fixture.clientContext {
            $0.maximumVersion = .v1_2
            $0.cipherListOverride = "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"
        }
        let results = try handshake(legacy)
        let error = try XCTUnwrap(results.server.failure)
        XCTAssertTrue(error.message.contains("no shared cipher"), error.message)
        XCTAssertNotNil(results.client.failure)
    }

    func testServerRejectsTLS11Client() throws {
        let legacy = try fixture.clientContext {
            $0.protocolRangeOverride = (minimum: 0x0302, maximum: 0x0302)
            $0.cipherListOverride = "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"
        }
        let results = try handshake(legacy)
        let error = try XCTUnwrap(results.server.failure)
        XCTAssertTrue(error.message.contains("unsupported protocol"), error.message)
        XCTAssertNotNil(results.client.failure)
    }

    func testContextRoleMismatchIsRejected() throws {
        let client = try fixture.clientContext()
        XCTAssertThrowsError(try TLSConnection(serverContext: client))
        XCTAssertThrowsError(try TLSConnection(clientContext: serverContext, serverName: "localhost"))
    }

    func testPlainHTTPToTheTLSPortFailsTheHandshake() throws {
        let server = try TLSConnection(serverContext: serverContext)
        let request = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        let result = request.withUnsafeBytes { bytes in server.withReceivedCiphertext(bytes) { server.handshake() } }
        let error = try XCTUnwrap(result.failure)
        XCTAssertTrue(error.message.hasPrefix("TLS handshake failed: "), error.message)
        XCTAssertTrue(error.message.contains("http request"), error.message)
    }

    func testWriteBeforeHandshakeIsAnError() throws {
        let client = try TLSConnection(clientContext: try fixture.clientContext(), serverName: "localhost")
        XCTAssertThrowsError(try Array("early".utf8).withUnsafeBytes { try client.write($0) }) { error in
            XCTAssertEqual((error as? TLSError)?.message, "TLS write before the handshake completed")
        }
    }
}
