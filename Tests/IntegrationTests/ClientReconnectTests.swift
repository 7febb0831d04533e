import Foundation
import Glibc
import StreamClient
import XCTest

/// The reconnecting client against the real server: restarts, refusals, dead links.
final class ClientReconnectTests: XCTestCase {
    /// Every order update reaches the application once and in seq order,
    /// across a server restart on the same port and data directory.
    func testEveryOrderExactlyOnceAcrossARestart() throws {
        let dataDirectory = TestServer.workDirectory + "/client-restart-\(UUID().uuidString.prefix(8))"
        var server = try TestServer { $0.streams.dataDirectory = dataDirectory }
        let port = server.port
        let recorder = EventRecorder()
        let client = StreamConnection(configuration: StreamClientConfiguration(
            url: "wss://127.0.0.1:\(port)/ws", token: TestServer.token(sub: "acct-1"), caPath: server.caPath,
            channels: ["order:acct-1"], heartbeatInterval: 5,
            backoff: BackoffPolicy(initial: 0.05, factor: 2, cap: 0.4)), onEvent: recorder.record)
        client.start()
        defer { client.stop() }
        XCTAssertTrue(TestServer.eventually(10) { recorder.count(of: "subscribed") == 1 }, "\(recorder.summary)")

        try publishOrders(1...4, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count == 4 }, "\(recorder.summary)")
        XCTAssertTrue(client.isConnected)
        // Other operations share the socket with the I/O thread.
        try client.send(json: #"{"type":"ping","id":99}"#)
        XCTAssertTrue(TestServer.eventually(10) { recorder.replies.contains { $0.type == "pong" && $0.id == "99" } }, "\(recorder.summary)")

        server.stop()
        XCTAssertTrue(TestServer.eventually(10) { recorder.count(of: "disconnected") >= 1 }, "\(recorder.summary)")
        XCTAssertFalse(client.isConnected)

        server = try TestServer { $0.port = port; $0.streams.dataDirectory = dataDirectory }
        defer { server.stop() }
        // Published while the client may still be between attempts: recovered with `since`.
        try publishOrders(5...6, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.count(of: "subscribed") == 2 }, "\(recorder.summary)")
        try publishOrders(7...9, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count >= 9 }, "\(recorder.summary)")
        usleep(200_000)  // room for a duplicate to show up, if there were one

        let messages = recorder.messages
        XCTAssertEqual(messages.map(\.seq), (1...9).map { UInt64($0) })
        XCTAssertEqual(messages.map { $0.data["order_id"] as? String }, (1...9).map { "ORD-\($0)" })
        XCTAssertEqual(recorder.count(of: "connected"), 2)
        XCTAssertEqual(recorder.count(of: "recoveryFailed"), 0)
        XCTAssertEqual(client.messageHistory.map(\.seq), messages.map(\.seq))
        XCTAssertEqual(client.lastMessage?.seq, 9)
        // The disconnect came between the two connects and announced a retry.
        let kinds = recorder.kinds.filter { $0 == "connected" || $0 == "disconnected" }
        XCTAssertEqual(kinds.first, "connected")
        XCTAssertEqual(kinds.last, "connected")
        XCTAssertNotNil(recorder.firstDisconnect?.willRetryIn)
    }

    func testStopsOnARejectedToken() throws {
        let server = try TestServer()
        defer { server.stop() }
        let recorder = EventRecorder()
        let client = StreamConnection(configuration: StreamClientConfiguration(
            url: "wss://127.0.0.1:\(server.port)/ws", token: "not-a-jwt", caPath: server.caPath, channels: ["tick:*"]),
            onEvent: recorder.record)
        client.start()
        XCTAssertTrue(TestServer.eventually(10) { recorder.stopReason != nil }, "\(recorder.summary)")
        XCTAssertTrue(recorder.stopReason?.hasPrefix("token rejected (401 invalid_token") == true, "\(recorder.summary)")
        XCTAssertEqual(recorder.count(of: "connected"), 0)
        XCTAssertFalse(recorder.summary.contains("not-a-jwt"), "the token must never appear in an event")
    }

    func testStopsWhenThePolicyForbidsTheRole() throws {
        let server = try TestServer()
        defer { server.stop() }
        let recorder = EventRecorder()
        let client = StreamConnection(configuration: StreamClientConfiguration(
            url: "wss://127.0.0.1:\(server.port)/ws", token: TestServer.token(sub: "acct-9", roles: ["astronaut"]),
            caPath: server.caPath, channels: ["tick:*"]), onEvent: recorder.record)
        client.start()
        XCTAssertTrue(TestServer.eventually(10) { recorder.stopReason != nil }, "\(recorder.summary)")
        XCTAssertTrue(recorder.stopReason?.hasPrefix("forbidden (403 unknown_role") == true, "\(recorder.summary)")
    }

    func testEventStreamEndsWithTheStopReason() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = StreamConnection(configuration: StreamClientConfiguration(
            url: "wss://127.0.0.1:\(server.port)/ws", token: TestServer.token(sub: "acct-1"), caPath: server.caPath,
            channels: ["order:acct-1", "order:acct-2"]))
        client.start()
        var seen: [String] = []
        for await event in client.events {
            switch event {
            case .connected(let welcome):
                seen.append("connected \(welcome.subject)")
            case .subscribed(let result):
                seen.append("subscribed \(result.granted) denied \(result.denied.map(\.channel))")
                client.stop()
            case .stopped(let reason):
                seen.append("stopped \(reason)")
            default:
                continue
            }
        }
        XCTAssertEqual(seen, ["connected acct-1", #"subscribed ["order:acct-1"] denied ["order:acct-2"]"#, "stopped stopped by the application"])
        XCTAssertFalse(client.isConnected)
    }

    /// A server that accepts TCP and never answers: each attempt times out and
    /// the delays before the next grow (jitter off to see the ceilings).
    func testRetriesASilentServerWithGrowingDelays() throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let recorder = EventRecorder()
        let client = StreamConnection(configuration: StreamClientConfiguration(
            url: "wss://127.0.0.1:\(silent.port)/ws", token: TestServer.token(), caPath: TestServer.certificates.caCertificate,
            channels: ["tick:*"], heartbeatInterval: 0.5, connectTimeout: 1,
            backoff: BackoffPolicy(initial: 0.1, factor: 2, cap: 30, jitter: false)), onEvent: recorder.record)
        client.start()
        XCTAssertTrue(TestServer.eventually(20) { recorder.disconnects.count >= 3 }, "\(recorder.summary)")
        client.stop()
        XCTAssertTrue(TestServer.eventually(5) { recorder.stopReason != nil }, "\(recorder.summary)")
        let delays = recorder.disconnects.prefix(3).map { $0.willRetryIn ?? -1 }
        XCTAssertEqual(delays, [0.1, 0.2, 0.4])
        XCTAssertEqual(recorder.stopReason, "stopped by the application")
    }

    /// A link that goes silent after the welcome (a proxy that stops
    /// forwarding) is found dead by the heartbeat, re-established, and the
    /// orders published meanwhile are recovered.
    func testHeartbeatFindsADeadLinkAndRecovers() throws {
        let server = try TestServer()
        defer { server.stop() }
        let proxy = try BlackholeProxy(targetPort: server.port)
        defer { proxy.close() }
        let recorder = EventRecorder()
        let client = proxy.quickClient(of: server, channels: ["order:acct-1"], recorder: recorder)
        client.start()
        defer { client.stop() }
        XCTAssertTrue(TestServer.eventually(10) { recorder.count(of: "subscribed") == 1 }, "\(recorder.summary)")
        try publishOrders(1...2, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count == 2 }, "\(recorder.summary)")

        proxy.blackhole(true)
        try publishOrders(3...4, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.disconnects.count >= 1 }, "\(recorder.summary)")
        XCTAssertTrue(recorder.disconnects[0].reason.contains("heartbeat"), "\(recorder.summary)")
        proxy.blackhole(false)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count >= 4 }, "\(recorder.summary)")
        try publishOrders(5...5, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count >= 5 }, "\(recorder.summary)")
        usleep(200_000)
        XCTAssertEqual(recorder.messages.map(\.seq), [1, 2, 3, 4, 5])
    }

    // MARK: Helpers

    private func publishOrders(_ numbers: ClosedRange<Int>, on server: TestServer) throws {
        let producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        for n in numbers {
            try producer.sendText(#"{"type":"publish","id":\#(n),"channel":"order:acct-1","data":{"order_id":"ORD-\#(n)","status":"filled","price":1.085}}"#)
            let ack = try producer.nextJSON()
            XCTAssertEqual(ack["type"] as? String, "ack", "\(ack)")
        }
        try? producer.sendFrame(0x8, [0x03, 0xE8])
    }
}

/// Collects a client's events from its I/O thread for assertions.
final class EventRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [StreamClientEvent] = []

    var record: @Sendable (StreamClientEvent) -> Void { { [self] event in lock.withLock { events.append(event) } } }

    var all: [StreamClientEvent] { lock.withLock { events } }

    var kinds: [String] {
        all.map {
            switch $0 {
            case .connected: return "connected"
            case .subscribed: return "subscribed"
            case .message: return "message"
            case .reply: return "reply"
            case .recoveryFailed: return "recoveryFailed"
            case .epochChanged: return "epochChanged"
            case .disconnected: return "disconnected"
            case .stopped: return "stopped"
            }
        }
    }

    func count(of kind: String) -> Int { kinds.filter { $0 == kind }.count }

    var messages: [StreamMessage] { all.compactMap { if case .message(let m) = $0 { return m } else { return nil } } }

    var replies: [StreamMessage] { all.compactMap { if case .reply(let m) = $0 { return m } else { return nil } } }

    var disconnects: [(reason: String, willRetryIn: Double?)] {
        all.compactMap { if case let .disconnected(reason, delay) = $0 { return (reason, delay) } else { return nil } }
    }

    var firstDisconnect: (reason: String, willRetryIn: Double?)? { disconnects.first }

    var stopReason: String? {
        all.lazy.compactMap { if case .stopped(let reason) = $0 { return reason } else { return nil } }.first
    }

    var summary: String {
        all.map {
            switch $0 {
            case .message(let m): return "message(\(m.channel ?? "") #\(m.seq ?? 0))"
            default: return "\($0)"
            }
        }.joined(separator: "\n")
    }
}

/// A loopback listener that accepts connections (the kernel does, from the
/// backlog) and never reads or writes: a hung server.
final class SilentListener: @unchecked Sendable {
    let fd: Int32
    let port: UInt16

    init() throws {
        (fd, port) = try LoopbackSocket.listen()
    }

    func close() { Glibc.close(fd) }
}

enum LoopbackSocket {
    static func listen() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else { throw TestClient.Failure(description: "listen failed: errno \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    static func connect(port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 { Glibc.close(fd); return -1 }
        return fd
    }
}

/// A TCP proxy to the test server that can stop forwarding in both
/// directions while keeping every socket open: a link that died silently.
extension BlackholeProxy {
    /// A client of acct-1 through this proxy, quick to find a dead link (a
    /// 0.5 s heartbeat, a 2 s connect timeout) and quick to come back.
    func quickClient(of server: TestServer, channels: [String], recorder: EventRecorder) -> StreamConnection {
        StreamConnection(configuration: StreamClientConfiguration(
            url: "wss://127.0.0.1:\(port)/ws", token: TestServer.token(sub: "acct-1"), caPath: server.caPath,
            channels: channels, heartbeatInterval: 0.5, connectTimeout: 2,
            backoff: BackoffPolicy(initial: 0.05, cap: 0.2)), onEvent: recorder.record)
    }
}

final class BlackholeProxy: @unchecked Sendable {
    let port: UInt16
    private let listenFD: Int32
    private let lock = NSLock()
    private var dropping = false
    private var closed = false
    private var sockets: [Int32] = []

    init(targetPort: UInt16) throws {
        (listenFD, port) = try LoopbackSocket.listen()
        Thread { [self] in acceptLoop(targetPort) }.start()
    }

    func blackhole(_ on: Bool) { lock.withLock { dropping = on } }

    private var isDropping: Bool { lock.withLock { dropping } }
    private var isClosed: Bool { lock.withLock { closed } }

    func close() {
        let all = lock.withLock { () -> [Int32] in
            closed = true
            return sockets
        }
        shutdown(listenFD, Int32(SHUT_RDWR))
        for fd in all { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop(_ targetPort: UInt16) {
        while !isClosed {
            let client = accept(listenFD, nil, nil)
            if client < 0 { break }
            let upstream = LoopbackSocket.connect(port: targetPort)
            if upstream < 0 { Glibc.close(client); continue }
            lock.withLock { sockets += [client, upstream] }
            Thread { [self] in pump(from: client, to: upstream) }.start()
            Thread { [self] in pump(from: upstream, to: client) }.start()
        }
        Glibc.close(listenFD)
    }

    /// Copies bytes while forwarding is on; while it is off, bytes are
    /// neither read nor answered, and the connection never closes by itself.
    private func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        var stalled = false
        while !isClosed {
            if isDropping { stalled = true }
            if stalled { usleep(20_000); continue }  // a dead link stays dead for this connection
            var pfd = pollfd(fd: source, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0 else { continue }
            let n = read(source, &buffer, buffer.count)
            if n <= 0 { break }
            if isDropping { stalled = true; continue }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + offset, n - offset, Int32(MSG_NOSIGNAL)) }
                if w <= 0 { break }
                offset += w
            }
        }
        shutdown(destination, Int32(SHUT_WR))
    }
}
