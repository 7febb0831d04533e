import Foundation
import Glibc
import NetCore
import XCTest

/// A real redis-server on a free loopback port for one test, restartable on
/// the same port. Without redis-server the cluster tests are skipped, except
/// under scripts/test.sh (STREAMD_REQUIRE_REDIS=1), which installs it: there
/// a missing server is a failure, not a silent skip.
final class RedisProcess: @unchecked Sendable {
    static let executable = "/usr/bin/redis-server"
    let port: UInt16
    private let directory: String
    private var process: Process?

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            if ProcessInfo.processInfo.environment["STREAMD_REQUIRE_REDIS"] == "1" {
                throw TestClient.Failure(description: "\(Self.executable) is missing; scripts/install-deps.sh --test installs redis-server")
            }
            throw XCTSkip("\(Self.executable) is not installed (Debian package redis-server); cluster tests skipped")
        }
        let listener = try Listener(address: SocketAddress(host: "127.0.0.1", port: 0), reusePort: false)
        port = listener.address.port
        listener.close()
        directory = TestServer.workDirectory + "/redis-\(port)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try start()
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    /// No persistence: a restart is a Redis that lost everything, the hardest case.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--daemonize", "no", "--dir", directory, "--loglevel", "warning"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<250 {
            if let fd = try? Connector.connect(to: SocketAddress(host: "127.0.0.1", port: port)) {
                Socket.close(fd)
                return
            }
            MonotonicClock.sleep(milliseconds: 20)
        }
        throw TestClient.Failure(description: "redis-server did not listen on port \(port)")
    }

    /// SIGKILL: Redis vanishes mid-stream.
    func kill() {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Runs redis-cli against this server; its output.
    @discardableResult
    func cli(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = ["-p", String(port)] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func cleanUp() {
        kill()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
