import Foundation
import XCTest

@testable import TLS

/// The socket/TLS pump with a pretend socket: partial sends, a socket that
/// would block, a failing send, plaintext handed over record by record.
final class TLSPumpTests: XCTestCase {
    var fixture: CertificateFixture!
    let wire = Wire()

    override func setUpWithError() throws {
        fixture = try CertificateFixture()
    }

    override func tearDown() {
        fixture.cleanUp()
    }

    private func connectedPair() throws -> (client: TLSConnection, server: TLSConnection) {
        let client = try TLSConnection(clientContext: fixture.clientContext(), serverName: "localhost")
        let server = try TLSConnection(serverContext: fixture.serverContext())
        let results = wire.handshake(client: client, server: server)
        XCTAssertTrue(results.client.isComplete && results.server.isComplete)
        return (client, server)
    }

    struct SocketGone: Error, Equatable {}

    func testSendsEverythingThroughPartialSends() throws {
        let (client, server) = try connectedPair()
        let plaintext = [UInt8](repeating: 0x61, count: 40_000)
        try plaintext.withUnsafeBytes { try client.write($0) }
        var sent: [UInt8] = []
        var calls = 0
        let drain = client.sendPendingCiphertext { bytes -> Int? in
            calls += 1
            let n = min(bytes.count, 1_000)
            sent.append(contentsOf: bytes.prefix(n))
            return n
        }
        XCTAssertEqual(drain, .drained)
        XCTAssertGreaterThan(calls, 40)
        XCTAssertFalse(client.hasPendingCiphertext)
        var received: [UInt8] = []
        _ = wire.deliver(sent, to: server) { Wire.readAll(server, into: &received) }
        XCTAssertEqual(received, plaintext)
    }

    func testStopsWhenTheSocketWouldBlockAndResumesLater() throws {
        let (client, _) = try connectedPair()
        try [UInt8](repeating: 1, count: 5_000).withUnsafeBytes { try client.write($0) }
        let total = client.pendingCiphertextCount
        var room = 100
        let first = client.sendPendingCiphertext { bytes -> Int? in
            guard room > 0 else { return nil }
            defer { room = 0 }
            return min(room, bytes.count)
        }
        XCTAssertEqual(first, .blocked)
        XCTAssertEqual(client.pendingCiphertextCount, total - 100)
        let second = client.sendPendingCiphertext { $0.count }
        XCTAssertEqual(second, .drained)
        XCTAssertEqual(client.sendPendingCiphertext { _ in XCTFail("nothing pending"); return 0 }, .drained)
    }

    func testASendErrorEndsThePumpAndIsRethrown() throws {
        let (client, _) = try connectedPair()
        try [UInt8](repeating: 2, count: 100).withUnsafeBytes { try client.write($0) }
        XCTAssertThrowsError(try client.sendPendingCiphertext { _ throws(SocketGone) -> Int? in throw SocketGone() }) {
            XCTAssertEqual($0 as? SocketGone, SocketGone())
        }
        XCTAssertTrue(client.hasPendingCiphertext, "nothing was taken")
    }

    func testReadPlaintextHandsOverEachRecordUntilTLSWantsMore() throws {
        let (client, server) = try connectedPair()
        for byte: UInt8 in [1, 2, 3] { try [UInt8](repeating: byte, count: 10).withUnsafeBytes { try client.write($0) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var chunks: [[UInt8]] = []
        let end = wire.deliver(wire.drain(client), to: server) {
            server.readPlaintext(into: buffer) { chunks.append(Array($0)); return true }
        }
        guard case .wantRead = end else { return XCTFail("expected .wantRead, got \(String(describing: end))") }
        XCTAssertEqual(chunks, [[UInt8](repeating: 1, count: 10), [UInt8](repeating: 2, count: 10), [UInt8](repeating: 3, count: 10)])
    }

    func testReadPlaintextStopsWhenTheConsumerSaysSoAndReportsCloseNotify() throws {
        let (client, server) = try connectedPair()
        for byte: UInt8 in [1, 2] { try [UInt8](repeating: byte, count: 10).withUnsafeBytes { try client.write($0) } }
        client.shutdown()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var chunks = 0
        let ends = wire.deliver(wire.drain(client), to: server) { () -> [PlaintextEnd] in
            let first = server.readPlaintext(into: buffer) { _ in chunks += 1; return false }
            let rest = server.readPlaintext(into: buffer) { _ in chunks += 1; return true }
            return [first, rest]
        }
        XCTAssertEqual(chunks, 2)
        guard let ends, case .stopped = ends[0], case .closed = ends[1] else {
            return XCTFail("expected .stopped then .closed, got \(String(describing: ends))")
        }
    }
}
