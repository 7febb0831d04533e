import Auth
import Foundation
import StreamServer
import TLS

/// The real server on an ephemeral loopback port, with dev certificates and a
/// token key pair made once per test process, and its own policy directory
/// and audit log per instance.
final class TestServer: @unchecked Sendable {
    let server: Server
    let directory: String
    var port: UInt16 { server.port }
    var policyDirectory: String { directory + "/policies" }
    var auditPath: String { directory + "/audit.jsonl" }

    static let workDirectory: String = {
        let directory = NSTemporaryDirectory() + "streamd-tests-\(getpid())"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }()

    static let certificates: DevCertificatePaths = {
        try! DevCertificates.generate(directory: workDirectory, overwrite: true)
    }()

    static let signingKey: (privatePath: String, publicPath: String) = {
        let paths = (workDirectory + "/jwt-test-private.pem", workDirectory + "/jwt-test-public.pem")
        try! DevCertificates.writeECKeyPair(privateKeyPath: paths.0, publicKeyPath: paths.1, overwrite: true)
        return paths
    }()

    static let issuer = try! TokenIssuer(kid: "test", algorithm: .es256, privateKeyPath: signingKey.privatePath)

    var caPath: String { TestServer.certificates.caCertificate }

    init(loops: Int = 2, policies: [String: String] = TestPolicies.standard,
         configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        directory = TestServer.workDirectory + "/server-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/policies", withIntermediateDirectories: true)
        for (name, text) in policies {
            try text.write(toFile: directory + "/policies/" + name, atomically: true, encoding: .utf8)
        }
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.loops = loops
        configuration.certificate = TestServer.certificates.serverCertificate
        configuration.privateKey = TestServer.certificates.serverKey
        configuration.generateDevCertificates = false
        configuration.auth.keys = [KeySpec(kid: "test", algorithm: .es256, path: TestServer.signingKey.publicPath)]
        configuration.auth.leewaySeconds = 0
        configuration.policyDirectory = directory + "/policies"
        configuration.audit.path = directory + "/audit.jsonl"
        configuration.streams.dataDirectory = directory + "/streams"
        configure(&configuration)
        let level = ProcessInfo.processInfo.environment["STREAMD_TEST_LOG"] == "1" ? LogLevel.debug : .error
        server = try Server(configuration: configuration, logger: Logger(format: .text, minimumLevel: level))
        server.start()
    }

    /// A token signed with the test key (ES256, kid "test").
    static func token(sub: String = "acct-1", roles: [String] = ["trader"], ttl: Int64 = 3600,
                      channels: [String]? = nil, jti: String? = nil) -> String {
        try! issuer.issue(subject: sub, roles: roles, channels: channels, ttlSeconds: ttl,
                          now: Int64(Date().timeIntervalSince1970), tokenID: jti)
    }

    func client(timeoutSeconds: Int = 5, receiveBufferBytes: Int32? = nil) throws -> TestClient {
        try TestClient(port: port, caPath: caPath, timeoutSeconds: timeoutSeconds, receiveBufferBytes: receiveBufferBytes)
    }

    /// A client that has upgraded with `token` and read the welcome message.
    func session(token: String = TestServer.token(), timeoutSeconds: Int = 5, receiveBufferBytes: Int32? = nil) throws -> TestClient {
        let client = try client(timeoutSeconds: timeoutSeconds, receiveBufferBytes: receiveBufferBytes)
        try client.upgrade(extraHeaders: ["Authorization: Bearer \(token)"])
        let welcome = try client.nextJSON()
        guard welcome["type"] as? String == "welcome" else {
            throw TestClient.Failure(description: "expected welcome, got \(welcome)")
        }
        client.welcome = welcome
        return client
    }

    /// The answer to an upgrade carrying `headers` (no 101 expected).
    func upgradeResponse(headers: [String], path: String = "/ws") throws -> TestClient.Response {
        let client = try client()
        try client.send(TestClient.upgradeRequest(path: path, extraHeaders: headers))
        return try client.readResponse()
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
