import Foundation
import XCTest

@testable import TLS

final class TLSConnectionTests: XCTestCase {
    var fixture: CertificateFixture!
    var serverContext: TLSContext!
    var clientContext: TLSContext!
    let wire = Wire()

    override func setUpWithError() throws {
        fixture = try CertificateFixture()
        serverContext = try fixture.serverContext()
        clientContext = try fixture.clientContext()
    }

    override func tearDown() {
        fixture.cleanUp()
    }

    /// A second handshake that offers `session` for resumption.
    private func resumedPair(_ session: TLSSession, client context: TLSContext) throws
        -> (client: TLSConnection, server: TLSConnection, results: (client: TLSHandshakeResult, server: TLSHandshakeResult)) {
        let client = try TLSConnection(clientContext: context, serverName: "localhost")
        client.setSession(session)
        let server = try TLSConnection(serverContext: serverContext)
        return (client, server, wire.handshake(client: client, server: server))
    }

    private func connectedPair(
        serverName: String = "localhost", client context: TLSContext? = nil, wire: Wire? = nil
    ) throws -> (client: TLSConnection, server: TLSConnection) {
        let client = try TLSConnection(clientContext: context ?? clientContext, serverName: serverName)
        let server = try TLSConnection(serverContext: serverContext)
        let results = (wire ?? self.wire).handshake(client: client, server: server)
        XCTAssertTrue(results.client.isComplete, "client: \(results.client)")
        XCTAssertTrue(results.server.isComplete, "server: \(results.server)")
        return (client, server)
    }

    func testHandshakeNegotiatesTLS13() throws {
        let (client, server) = try connectedPair()
        XCTAssertTrue(client.isHandshakeComplete)
        XCTAssertTrue(server.isHandshakeComplete)
        XCTAssertEqual(client.protocolVersion, "TLSv1.3")
        XCTAssertEqual(server.protocolVersion, "TLSv1.3")
        XCTAssertEqual(server.cipherName, "TLS_AES_128_GCM_SHA256")
        XCTAssertEqual(client.cipherName, server.cipherName)
        XCTAssertFalse(server.sessionWasReused)
    }

    func testApplicationDataBothWays() throws {
        let (client, server) = try connectedPair()
        let hello = Array("hello over TLS".utf8)
        XCTAssertEqual(try wire.send(hello, from: client, to: server), hello)
        XCTAssertEqual(try wire.send(hello.reversed(), from: server, to: client), hello.reversed())

        // 100 KB spans seven records each way.
        let large = SecureRandom.bytes(100_000)
        XCTAssertEqual(try wire.send(large, from: client, to: server), large)
        XCTAssertEqual(try wire.send(large, from: server, to: client), large)
    }

    func testLargeWriteProducesMultipleRecordsInOneCall() throws {
        let (client, server) = try connectedPair()
        let large = SecureRandom.bytes(70_000)
        try large.withUnsafeBytes { try server.write($0) }
        // 5 records of at most 16 KiB, each with header and tag.
        XCTAssertGreaterThan(server.pendingCiphertextCount, large.count + 5 * 21)
        let ciphertext = wire.drain(server)
        var received: [UInt8] = []
        _ = wire.deliver(ciphertext, to: client) { Wire.readAll(client, into: &received) }
        XCTAssertEqual(received, large)
    }

    func testCloseNotifyIsReportedAsClosed() throws {
        let (client, server) = try connectedPair()
        client.shutdown()
        XCTAssertTrue(client.hasPendingCiphertext)
        var received: [UInt8] = []
        let outcome = wire.deliver(wire.drain(client), to: server) { Wire.readAll(server, into: &received) }
        guard case .closed = outcome else { return XCTFail("expected .closed, got \(String(describing: outcome))") }
        XCTAssertTrue(received.isEmpty)
    }

    func testByteAtATimeHandshakeAndData() throws {
        let trickle = Wire(chunkSize: 1)
        let (client, server) = try connectedPair(wire: trickle)
        XCTAssertEqual(server.protocolVersion, "TLSv1.3")
        let message = Array("one byte at a time".utf8)
        XCTAssertEqual(try trickle.send(message, from: client, to: server), message)
        XCTAssertEqual(try trickle.send(message, from: server, to: client), message)
    }

    func testTLS12OnlyClientGetsAnAEADCipher() throws {
        let tls12 = try fixture.clientContext { $0.maximumVersion = .v1_2 }
        let (client, server) = try connectedPair(client: tls12)
        XCTAssertEqual(server.protocolVersion, "TLSv1.2")
        XCTAssertEqual(server.cipherName, "ECDHE-ECDSA-AES128-GCM-SHA256")
        let message = Array("tls 1.2".utf8)
        XCTAssertEqual(try wire.send(message, from: client, to: server), message)
    }

    func testTLS13SessionResumption() throws {
        let (first, firstServer) = try connectedPair()
        // The ticket arrives after the handshake; the client reads it like data.
        var received: [UInt8] = []
        XCTAssertEqual(try wire.send(Array("x".utf8), from: firstServer, to: first), Array("x".utf8))
        _ = Wire.readAll(first, into: &received)
        let session = try XCTUnwrap(first.session, "no resumable session after the ticket")

        let (second, secondServer, results) = try resumedPair(session, client: clientContext)
        XCTAssertTrue(results.client.isComplete && results.server.isComplete)
        XCTAssertTrue(second.sessionWasReused)
        XCTAssertTrue(secondServer.sessionWasReused)
        XCTAssertEqual(second.protocolVersion, "TLSv1.3")
    }

    func testTLS12SessionResumption() throws {
        let tls12 = try fixture.clientContext { $0.maximumVersion = .v1_2 }
        let (first, _) = try connectedPair(client: tls12)
        let session = try XCTUnwrap(first.session)

        let (second, secondServer, results) = try resumedPair(session, client: tls12)
        XCTAssertTrue(results.client.isComplete && results.server.isComplete)
        XCTAssertTrue(second.sessionWasReused)
        XCTAssertTrue(secondServer.sessionWasReused)
    }

    func testPartialSendsKeepTheRestPending() throws {
        let (client, server) = try connectedPair()
        try Array("abcdef".utf8).withUnsafeBytes { try client.write($0) }
        let total = client.pendingCiphertextCount
        client.withPendingCiphertext { _ in 10 }
        XCTAssertEqual(client.pendingCiphertextCount, total - 10)
        var calls = 0
        XCTAssertEqual(wire.drain(client).count, total - 10)
        client.withPendingCiphertext { _ in calls += 1; return 0 }
        XCTAssertEqual(calls, 0, "body is not called when nothing is pending")
        _ = server
    }

    func testIdleConnectionHoldsNoSwiftBuffers() throws {
        let (client, server) = try connectedPair()
        _ = try wire.send(SecureRandom.bytes(50_000), from: client, to: server)
        _ = try wire.send(Array("reply".utf8), from: server, to: client)
        XCTAssertFalse(server.hasPendingCiphertext)
        XCTAssertGreaterThan(server.bufferCapacity, 0)
        server.releaseIdleMemory()
        XCTAssertEqual(server.bufferCapacity, 0)
        // Still usable afterwards.
        XCTAssertEqual(try wire.send(Array("again".utf8), from: server, to: client), Array("again".utf8))
    }

    func testRecordSplitAcrossDeliveries() throws {
        let (client, server) = try connectedPair()
        let message = Array("split record".utf8)
        try message.withUnsafeBytes { try client.write($0) }
        let ciphertext = wire.drain(client)
        var received: [UInt8] = []
        let first = ciphertext[..<10].withUnsafeBytes { bytes in
            server.withReceivedCiphertext(bytes) { Wire.readAll(server, into: &received) }
        }
        guard case .wantRead = first else { return XCTFail("expected .wantRead, got \(first)") }
        _ = ciphertext[10...].withUnsafeBytes { bytes in
            server.withReceivedCiphertext(bytes) { Wire.readAll(server, into: &received) }
        }
        XCTAssertEqual(received, message)
    }

    func testUnreadCiphertextIsKeptInLeftoverUntilRead() throws {
        let (client, server) = try connectedPair()
        client.releaseIdleMemory()
        let one = Array("first".utf8)
        let two = Array("second".utf8)
        try one.withUnsafeBytes { try server.write($0) }
        try two.withUnsafeBytes { try server.write($0) }
        let ciphertext = wire.drain(server)
        var buffer = [UInt8](repeating: 0, count: 100)
        // Read one record while the bytes are lent; the second must survive the return.
        let firstRead = ciphertext.withUnsafeBytes { bytes in
            client.withReceivedCiphertext(bytes) { buffer.withUnsafeMutableBytes { client.read(into: $0) } }
        }
        guard case .bytes(let n) = firstRead else { return XCTFail("\(firstRead)") }
        XCTAssertEqual(Array(buffer[..<n]), one)
        XCTAssertGreaterThan(client.bufferCapacity, 0, "second record waits in leftover")

        let secondRead = buffer.withUnsafeMutableBytes { client.read(into: $0) }
        guard case .bytes(let m) = secondRead else { return XCTFail("\(secondRead)") }
        XCTAssertEqual(Array(buffer[..<m]), two)
        XCTAssertEqual(client.bufferCapacity, 0, "leftover is released once empty")
        guard case .wantRead = buffer.withUnsafeMutableBytes({ client.read(into: $0) }) else { return XCTFail() }
    }

    /// Prints what an idle, completed server connection costs in resident memory (not
    /// asserted: it depends on the allocator, the OpenSSL build and page granularity).
    func testMeasureIdleServerConnectionMemory() throws {
        let count = 1000
        var servers: [TLSConnection] = []
        servers.reserveCapacity(count)
        // Warm up the allocator and OpenSSL's lazily built tables first.
        for _ in 0..<20 { _ = try connectedPair() }
        let before = residentBytes()
        for _ in 0..<count {
            let (client, server) = try connectedPair()
            _ = try wire.send(Array("ping".utf8), from: client, to: server)
            server.releaseIdleMemory()
            servers.append(server)
        }
        let perConnection = (residentBytes() - before) / count
        print("idle TLS 1.3 server connection: ~\(perConnection) bytes resident each (\(count) connections)")
        XCTAssertTrue(servers.allSatisfy { $0.bufferCapacity == 0 })
    }

    private func residentBytes() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "0 0"
        let pages = Int(statm.split(separator: " ")[1]) ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
