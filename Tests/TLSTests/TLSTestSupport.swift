import Foundation
import XCTest

@testable import TLS

/// A fresh directory with development certificates, removed by `cleanUp()`.
struct CertificateFixture {
    let directory: String
    let paths: DevCertificatePaths

    init() throws {
        directory = NSTemporaryDirectory() + "tls-tests-\(UUID().uuidString)"
        paths = try DevCertificates.generate(directory: directory)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    func write(_ text: String, to name: String) throws -> String {
        let path = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func serverContext() throws -> TLSContext {
        try TLSContext(
            server: TLSServerConfiguration(certificateChainPath: paths.serverCertificate, privateKeyPath: paths.serverKey))
    }

    func clientContext(_ adjust: (inout TLSClientConfiguration) -> Void = { _ in }) throws -> TLSContext {
        var configuration = TLSClientConfiguration(caPath: paths.caCertificate)
        adjust(&configuration)
        return try TLSContext(client: configuration)
    }
}

extension TLSHandshakeResult {
    var isComplete: Bool {
        if case .complete = self { return true }
        return false
    }

    var failure: TLSError? {
        if case .failed(let error) = self { return error }
        return nil
    }
}

/// Moves bytes between two in-memory TLS endpoints, optionally in small pieces.
struct Wire {
    var chunkSize = Int.max

    /// Takes the pending ciphertext, sending at most `chunkSize` bytes per call so
    /// partial sends are exercised too.
    func drain(_ connection: TLSConnection) -> [UInt8] {
        var bytes: [UInt8] = []
        while connection.hasPendingCiphertext {
            connection.withPendingCiphertext { pending in
                let n = min(pending.count, chunkSize)
                bytes.append(contentsOf: pending.prefix(n))
                return n
            }
        }
        return bytes
    }

    /// Delivers `bytes` in `chunkSize` pieces, running `step` inside each delivery.
    func deliver<R>(_ bytes: [UInt8], to connection: TLSConnection, _ step: () -> R) -> R? {
        var result: R?
        var offset = 0
        while offset < bytes.count {
            let end = offset + min(chunkSize, bytes.count - offset)
            result = bytes[offset..<end].withUnsafeBytes { connection.withReceivedCiphertext($0, step) }
            offset = end
        }
        return result
    }

    /// Runs both handshakes to completion or failure; returns the last result of each.
    func handshake(client: TLSConnection, server: TLSConnection) -> (client: TLSHandshakeResult, server: TLSHandshakeResult) {
        var clientResult = client.handshake()
        var serverResult = TLSHandshakeResult.wantRead
        for _ in 0..<100_000 {
            let toServer = drain(client)
            if let result = deliver(toServer, to: server, { server.handshake() }) { serverResult = result }
            let toClient = drain(server)
            if let result = deliver(toClient, to: client, { client.handshake() }) { clientResult = result }
            if toServer.isEmpty && toClient.isEmpty { break }
        }
        return (clientResult, serverResult)
    }

    /// Encrypts `plaintext` on `sender`, decrypts on `receiver`, returns what came out.
    func send(_ plaintext: [UInt8], from sender: TLSConnection, to receiver: TLSConnection) throws -> [UInt8] {
        try plaintext.withUnsafeBytes { try sender.write($0) }
        let ciphertext = drain(sender)
        var received: [UInt8] = []
        var outcome: TLSReadResult = .wantRead
        _ = deliver(ciphertext, to: receiver) {
            outcome = Self.readAll(receiver, into: &received)
        }
        if case .failed(let error) = outcome { throw error }
        return received
    }

    /// Reads until the connection wants more ciphertext, is closed, or fails.
    static func readAll(_ connection: TLSConnection, into received: inout [UInt8]) -> TLSReadResult {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let result = buffer.withUnsafeMutableBytes { connection.read(into: $0) }
            switch result {
            case .bytes(let n):
                received.append(contentsOf: buffer[0..<n])
            default:
                return result
            }
        }
    }
}
