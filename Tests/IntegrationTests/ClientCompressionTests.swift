import Foundation
import Glibc
import StreamBench
import StreamClient
import TLS
import WebSocket
import XCTest

/// The clients this package ships, against the real server with
/// permessage-deflate: the reconnecting `StreamConnection` and the bench's
/// connections offer it, inflate what arrives compressed, and say so.
final class ClientCompressionTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server?.stop() }

    /// A signal of about 2 KB: JSON that repeats itself, as real ones do.
    private static func signal(_ n: Int) -> String {
        let reasons = (0..<44).map { #"{"factor":"f\#($0)","score":0.\#(1000 + $0 * 37 % 9000),"horizon":"1h"}"# }
        return #"{"symbol":"EURUSD","side":"buy","strength":0.8,"n":\#(n),"factors":[\#(reasons.joined(separator: ","))]}"#
    }

    private func counter(_ name: String) throws -> Int {
        let http = try BlockingTLSConnection(host: "127.0.0.1", port: server.port, caPath: server.caPath)
        let text = try http.exchange(method: "GET", path: "/metrics", host: "x").bodyText
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
    }

    private func connect(offerCompression: Bool, recorder: EventRecorder) -> StreamConnection {
        let client = StreamConnection(configuration: StreamClientConfiguration(
            url: "wss://127.0.0.1:\(server.port)/ws", token: TestServer.token(sub: "acct-1"), caPath: server.caPath,
            channels: ["signal:EURUSD"], offerCompression: offerCompression), onEvent: recorder.record)
        client.start()
        return client
    }

    func testTheSwiftClientAgreesAndReceivesA2KBMessageCompressedAndIntact() throws {
        let recorder = EventRecorder()
        let client = connect(offerCompression: true, recorder: recorder)
        defer { client.stop() }
        XCTAssertTrue(TestServer.eventually(10) { recorder.count(of: "subscribed") == 1 }, recorder.summary)
        XCTAssertEqual(client.welcome?.compression, NegotiatedCompression(serverWindowBits: 15, serverNoContextTakeover: true))

        let producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        let sent = Self.signal(1)
        XCTAssertGreaterThan(sent.utf8.count, 2000)
        XCTAssertEqual(try producer.publish("signal:EURUSD", sent), 1)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count == 1 }, recorder.summary)
        let received = try XCTUnwrap(recorder.messages.first)
        let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(sent.utf8)) as? NSDictionary)
        XCTAssertEqual(received.data as NSDictionary, expected, "the message arrives byte-for-byte what was published")
        XCTAssertEqual(try counter("streamd_compressed_frames_total"), 1, "the server sent it compressed")
        XCTAssertLessThan(try counter("streamd_compression_bytes_out_total") * 3, sent.utf8.count)

        // Small messages go plain on the same session, and operations still work.
        try client.send(json: #"{"type":"ping","id":5}"#)
        XCTAssertTrue(TestServer.eventually(10) { recorder.replies.contains { $0.type == "pong" && $0.id == "5" } }, recorder.summary)
    }

    func testWithoutTheOfferMessagesArrivePlain() throws {
        let recorder = EventRecorder()
        let client = connect(offerCompression: false, recorder: recorder)
        defer { client.stop() }
        XCTAssertTrue(TestServer.eventually(10) { recorder.count(of: "subscribed") == 1 }, recorder.summary)
        XCTAssertNil(client.welcome?.compression)
        let producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        _ = try producer.publish("signal:EURUSD", Self.signal(2))
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count == 1 }, recorder.summary)
        XCTAssertEqual(recorder.messages.first?.data["n"] as? Int, 2)
        XCTAssertEqual(try counter("streamd_compressed_frames_total"), 0, "nobody agreed: nothing compressed")
    }

    func testAServerWithCompressionOffIsFine() throws {
        server.stop()
        server = try TestServer { $0.compression.enabled = false }
        let recorder = EventRecorder()
        let client = connect(offerCompression: true, recorder: recorder)
        defer { client.stop() }
        XCTAssertTrue(TestServer.eventually(10) { recorder.count(of: "subscribed") == 1 }, recorder.summary)
        XCTAssertNil(client.welcome?.compression, "declined: the client goes on uncompressed")
    }

    // MARK: A server that breaks the offer

    private func failures(against answer: String, offerCompression: Bool) throws -> (reasons: [String], request: String) {
        let fake = try UpgradingServer(extensions: answer)
        defer { fake.close() }
        let recorder = EventRecorder()
        let client = StreamConnection(configuration: StreamClientConfiguration(
            url: "wss://127.0.0.1:\(fake.port)/ws", token: "t", caPath: server.caPath, channels: ["tick:*"],
            backoff: BackoffPolicy(initial: 0.05, factor: 1, cap: 0.05), offerCompression: offerCompression), onEvent: recorder.record)
        client.start()
        XCTAssertTrue(TestServer.eventually(10) { recorder.count(of: "disconnected") >= 2 }, recorder.summary)
        client.stop()
        XCTAssertEqual(recorder.count(of: "connected"), 0, "no session on a broken answer")
        XCTAssertNotNil(recorder.firstDisconnect?.willRetryIn, "a server fault, retried with backoff like other link failures")
        return (recorder.disconnects.map(\.reason), fake.lastRequest)
    }

    func testAnAnswerWithAParameterNotOfferedFailsTheConnectionSayingWhy() throws {
        let (reasons, request) = try failures(against: "permessage-deflate; mystery_parameter", offerCompression: true)
        XCTAssertTrue(request.split(separator: "\r\n").contains { $0 == NegotiatedCompression.offerHeader }, request)
        XCTAssertTrue(reasons.allSatisfy { $0.contains("the server's Sec-WebSocket-Extensions answer 'permessage-deflate; mystery_parameter' is not acceptable: unknown parameter mystery_parameter") },
                      "\(reasons)")
    }

    func testAnExtensionAnsweredWithoutAnOfferFailsTheConnection() throws {
        let (reasons, request) = try failures(against: "permessage-deflate", offerCompression: false)
        XCTAssertFalse(request.lowercased().contains("sec-websocket-extensions"), request)
        XCTAssertTrue(reasons.allSatisfy { $0.contains("although the client offered no extension") }, "\(reasons)")
    }

    // MARK: streamd bench --compression

    private func benchRun(_ scenario: BenchSettings.Scenario, _ configure: (inout BenchSettings) -> Void) throws -> BenchResult {
        server.stop()
        server = try TestServer(policies: BenchIntegrationTests.benchPolicies)
        var settings = BenchSettings(threads: 2)
        settings.scenario = scenario
        settings.duration = 1
        settings.warmup = 0.5
        settings.compression = true
        configure(&settings)
        let target = BenchTarget(endpoint: try StreamEndpoint(url: "wss://127.0.0.1:\(server.port)/ws"),
                                 token: TestServer.token(sub: "bench", roles: ["bench-subscriber"]),
                                 publisherToken: TestServer.token(sub: "bench-feed", roles: ["bench-publisher"]),
                                 caPath: server.caPath)
        return try BenchRunner(settings: settings, target: target, probe: .none).run()
    }

    func testBenchFanoutWithCompressionInflatesEveryPaddedMessage() throws {
        let result = try benchRun(.fanout) {
            $0.subscribers = 10
            $0.rate = 20
            $0.payloadBytes = 2000
        }
        let step = try XCTUnwrap(result.steps.first)
        XCTAssertEqual(step.compressedSubscribers, 10)
        XCTAssertGreaterThan(step.acked, 0)
        // Counted by arrival inside the window: a message acked just before its
        // end may be delivered just after it, so allow a message per subscriber each side.
        XCTAssertLessThanOrEqual(abs(Int(step.delivered) - Int(step.acked) * 10), 2 * 10,
                                 "every subscriber inflated every message and found its t_ns (\(step.delivered) for \(step.acked) acked)")
        XCTAssertEqual(step.gaps, 0)
        XCTAssertTrue(step.disconnects.isEmpty, "\(step.disconnects)")
        let payload = try XCTUnwrap(step.wire.payloadBytesPerMessage)
        let frame = try XCTUnwrap(step.wire.frameBytesPerMessage)
        let tls = try XCTUnwrap(step.wire.tlsBytesPerMessage)
        XCTAssertGreaterThan(payload, 2000, "the padded data plus the envelope")
        XCTAssertLessThan(frame, payload * 0.8, "compressed on the wire (\(frame) of \(payload) bytes)")
        XCTAssertGreaterThan(tls, frame, "TLS adds its record overhead")
        XCTAssertGreaterThan(try counter("streamd_compressed_frames_total"), 0)
        XCTAssertEqual(result.table.value("compressed_subscribers"), .integer(10))
    }

    func testBenchHandshakesAndIdleConnectionsAgree() throws {
        let handshakes = try XCTUnwrap(try benchRun(.handshakes) { $0.concurrency = 2 }.handshakes)
        XCTAssertGreaterThan(handshakes.completed, 0)
        XCTAssertEqual(handshakes.compressed, handshakes.completed)
        let idle = try XCTUnwrap(try benchRun(.idle) { $0.connections = 20 }.idle)
        XCTAssertEqual(idle.connections, 20)
        XCTAssertEqual(idle.compressed, 20)
    }
}

/// A TLS server that upgrades every request with a 101 whose
/// `Sec-WebSocket-Extensions` is `extensions`, then waits for the client to
/// go: a server that answers what the client never offered.
private final class UpgradingServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var request = ""

    var lastRequest: String { lock.withLock { request } }

    init(extensions: String) throws {
        (fd, port) = try LoopbackSocket.listen()
        let context = try TLSContext(server: TLSServerConfiguration(certificateChainPath: TestServer.certificates.serverCertificate,
                                                                    privateKeyPath: TestServer.certificates.serverKey))
        let listener = fd
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                serve(client, context: context, extensions: extensions)
                Glibc.close(client)
            }
        }
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }

    private func serve(_ fd: Int32, context: TLSContext, extensions: String) {
        guard let tls = try? TLSConnection(serverContext: context) else { return }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        func flush() {
            var sendFailed = false
            while tls.hasPendingCiphertext && !sendFailed {
                tls.withPendingCiphertext { bytes in
                    let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
                    sendFailed = n <= 0
                    return max(0, n)
                }
            }
        }
        var plaintext: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        // Handshake and request; afterwards only the client's close is awaited.
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return }
            buffer.withUnsafeBytes { raw in
                tls.withReceivedCiphertext(UnsafeRawBufferPointer(rebasing: raw[..<n])) {
                    if !tls.isHandshakeComplete { _ = tls.handshake() }
                    guard tls.isHandshakeComplete else { return }
                    var chunk = [UInt8](repeating: 0, count: 16384)
                    while case .bytes(let count) = chunk.withUnsafeMutableBytes({ tls.read(into: $0) }) {
                        plaintext += chunk[..<count]
                    }
                }
            }
            flush()
            guard let end = plaintext.firstRange(of: [13, 10, 13, 10]) else { continue }
            let head = String(decoding: plaintext[..<end.lowerBound], as: UTF8.self)
            plaintext = []
            lock.withLock { request = head }
            let key = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }
                .map { $0.dropFirst("sec-websocket-key:".count).trimmingCharacters(in: .whitespaces) } ?? ""
            let accept = WebSocketHandshake.acceptValue(forKey: key, sha1: { Digest.sha1($0) })
            let answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: \(accept)\r\nSec-WebSocket-Extensions: \(extensions)\r\n\r\n"
            try? Array(answer.utf8).withUnsafeBytes { try tls.write($0) }
            flush()
        }
    }
}
