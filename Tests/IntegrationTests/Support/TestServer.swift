import Foundation
import StreamServer
import TLS

/// The real server on an ephemeral loopback port, with dev certificates made
/// once per test process.
final class TestServer: @unchecked Sendable {
    let server: Server
    var port: UInt16 { server.port }

    static let certificates: DevCertificatePaths = {
        let directory = NSTemporaryDirectory() + "streamd-tests-\(getpid())"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try! DevCertificates.generate(directory: directory, overwrite: true)
    }()

    var caPath: String { TestServer.certificates.caCertificate }

    init(loops: Int = 2, configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.loops = loops
        configuration.certificate = TestServer.certificates.serverCertificate
        configuration.privateKey = TestServer.certificates.serverKey
        configuration.generateDevCertificates = false
        configure(&configuration)
        let level = ProcessInfo.processInfo.environment["STREAMD_TEST_LOG"] == "1" ? LogLevel.debug : .error
        server = try Server(configuration: configuration, logger: Logger(format: .text, minimumLevel: level))
        server.start()
    }

    func client(timeoutSeconds: Int = 5) throws -> TestClient {
        try TestClient(port: port, caPath: caPath, timeoutSeconds: timeoutSeconds)
    }

    /// A client that has upgraded and read the welcome message.
    func session() throws -> TestClient {
        let client = try client()
        try client.upgrade()
        let welcome = try client.nextJSON()
        guard welcome["type"] as? String == "welcome" else {
            throw TestClient.Failure(description: "expected welcome, got \(welcome)")
        }
        return client
    }

    func stop() { server.shutdown(gracePeriod: 1) }

    /// Polls `condition` for up to `seconds`; for waiting on the server, not timing it.
    static func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }
}
