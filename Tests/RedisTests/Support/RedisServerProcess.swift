import Foundation
import Glibc
import NetCore
import XCTest

/// A real redis-server on a free loopback port, owned by one test: started
/// in setUp, killed in tearDown, restartable on the same port.
final class RedisServerProcess: @unchecked Sendable {
    static let executable = "/usr/bin/redis-server"
    let port: UInt16
    private let extraArguments: [String]
    private let directory: String
    private var process: Process?

    /// Throws XCTSkip when redis-server is not installed.
    init(extraArguments: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw XCTSkip("\(Self.executable) is not installed (Debian package redis-server); live Redis tests skipped")
        }
        port = try Self.freePort()
        self.extraArguments = extraArguments
        directory = NSTemporaryDirectory() + "streamd-redis-\(getpid())-\(port)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    var address: SocketAddress { try! SocketAddress(host: "127.0.0.1", port: port) }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--daemonize", "no", "--dir", directory, "--loglevel", "warning"] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        try waitUntilAccepting()
    }

    var isRunning: Bool { process?.isRunning == true }

    /// SIGSTOP: the server keeps its sockets (the kernel still ACKs) but
    /// answers nothing, like a hung host.
    func pause() {
        if let process { Glibc.kill(process.processIdentifier, SIGSTOP) }
    }

    func resume() {
        if let process { Glibc.kill(process.processIdentifier, SIGCONT) }
    }

    /// SIGKILL: the server vanishes mid-stream, as in a crash.
    func kill() {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        Glibc.kill(process.processIdentifier, SIGCONT)
        process.waitUntilExit()
        self.process = nil
    }

    func cleanUp() {
        kill()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func waitUntilAccepting() throws {
        for _ in 0..<500 {
            if let fd = try? Connector.connect(to: address) {
                Socket.close(fd)
                return
            }
            guard process?.isRunning == true else { break }
            MonotonicClock.sleep(milliseconds: 20)
        }
        throw XCTSkip("redis-server did not start listening on 127.0.0.1:\(port)")
    }

    static func freePort() throws -> UInt16 {
        let listener = try Listener(address: SocketAddress(host: "127.0.0.1", port: 0), reusePort: false)
        defer { listener.close() }
        return listener.address.port
    }
}
