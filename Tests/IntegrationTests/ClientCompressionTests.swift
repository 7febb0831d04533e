import Foundation
import StreamBench
import StreamClient
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
        XCTAssertEqual(step.delivered, step.acked * 10, "every subscriber inflated every message and found its t_ns")
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
