import Foundation
import StreamClient
import WebSocket
import XCTest

/// permessage-deflate against the real server over real TLS: negotiation,
/// one compression per message for every subscriber, compressed client
/// messages (fragmented too), and hostile ones (a bomb, corrupt data).
final class CompressionTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server?.stop() }

    static let offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"

    /// A session that offered permessage-deflate and inflates what it gets.
    private func compressedSession(sub: String = "acct-1", roles: [String] = ["trader"],
                                   receiveBuffer: Int32? = nil) throws -> (TestClient, TestClient.Response) {
        let client = try server.client(timeoutSeconds: 30, receiveBufferBytes: receiveBuffer)
        let answer = try client.upgrade(extraHeaders: ["Authorization: Bearer \(TestServer.token(sub: sub, roles: roles))", CompressionTests.offer])
        client.reader.enableCompression(windowBits: 15, noContextTakeover: true)
        XCTAssertEqual(try client.nextJSON()["type"] as? String, "welcome")
        return (client, answer)
    }

    private func metric(_ name: String) throws -> Int {
        let http = try BlockingTLSConnection(host: "127.0.0.1", port: server.port, caPath: server.caPath)
        let text = try http.exchange(method: "GET", path: "/metrics", host: "x").bodyText
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
    }

    private func bigSignal(_ n: Int) -> String {
        #"{"symbol":"EURUSD","side":"buy","strength":0.8,"confidence":0.9,"model":"m","n":\#(n),"notes":"\#(String(repeating: "momentum building on the hourly; ", count: 60))"}"#
    }

    func testTheAnswerCarriesTheAgreedParameters() throws {
        let (_, answer) = try compressedSession()
        XCTAssertEqual(answer.header("Sec-WebSocket-Extensions"),
                       "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=15")
        let plain = try server.client()
        let none = try plain.upgrade(extraHeaders: ["Authorization: Bearer \(TestServer.token())"])
        XCTAssertNil(none.header("Sec-WebSocket-Extensions"), "no offer, no extension")
        let declined = try server.client()
        let other = try declined.upgrade(extraHeaders: ["Authorization: Bearer \(TestServer.token())",
                                                        "Sec-WebSocket-Extensions: permessage-deflate; mystery_parameter"])
        XCTAssertNil(other.header("Sec-WebSocket-Extensions"), "an offer with an unknown parameter is declined, the upgrade goes on")
    }

    func testAMalformedExtensionsHeaderIs400() throws {
        let client = try server.client()
        try client.send(TestClient.upgradeRequest(extraHeaders: ["Authorization: Bearer \(TestServer.token())",
                                                                 "Sec-WebSocket-Extensions: permessage-deflate; =15"]))
        let answer = try client.readResponse()
        XCTAssertEqual(answer.status, 400)
        XCTAssertTrue(answer.body.contains("Sec-WebSocket-Extensions"), answer.body)
    }

    func testEachMessageIsCompressedOnceForEverySubscriberAndPlainForOthers() throws {
        let (first, _) = try compressedSession()
        let (second, _) = try compressedSession()
        let plain = try server.session(token: TestServer.token())
        for client in [first, second, plain] { try client.subscribe(["signal:EURUSD"]) }
        let producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        for n in 1...3 { XCTAssertEqual(try producer.publish("signal:EURUSD", bigSignal(n), id: n), n) }
        for client in [first, second, plain] {
            for n in 1...3 {
                let message = try client.nextJSON()
                XCTAssertEqual((message["data"] as? [String: Any])?["n"] as? Int, n)
            }
        }
        XCTAssertEqual(try metric("streamd_compressed_frames_total"), 3, "three messages, compressed once each for both subscribers")
        let before = try metric("streamd_compression_bytes_in_total"), after = try metric("streamd_compression_bytes_out_total")
        XCTAssertLessThan(after * 5, before, "repetitive JSON shrinks at least five times (\(before) → \(after))")
    }

    func testSmallMessagesGoPlainEvenToACompressingClient() throws {
        let (client, _) = try compressedSession()
        try client.subscribe(["tick:EURUSD"])
        let producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        _ = try producer.publish("tick:EURUSD", #"{"symbol":"EURUSD","bid":1.085,"ask":1.08503,"spread":0.00003}"#)
        XCTAssertEqual(try client.nextJSON()["type"] as? String, "tick")
        XCTAssertEqual(try metric("streamd_compressed_frames_total"), 0, "under compression.min_bytes: sent as it is")
    }

    func testReplayedMessagesReachACompressingClient() throws {
        let producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        for n in 1...3 { _ = try producer.publish("order:acct-1", bigSignal(n), id: n) }
        let (client, _) = try compressedSession()
        try client.subscribe(["order:acct-1"], since: ["order:acct-1": 0])
        for n in 1...3 { XCTAssertEqual(try client.nextJSON()["seq"] as? Int, n) }
        XCTAssertEqual(try metric("streamd_compressed_frames_total"), 3, "compressed on first use, during the replay")
    }

    private func compressedFrame(_ payload: [UInt8], fin: Bool = true, opcode: Opcode = .text) -> [UInt8] {
        var frame = FrameEncoder.frame(opcode: opcode, payload: payload, fin: fin, maskKey: 0x1234_5678)
        frame[0] |= 0x40
        return frame
    }

    func testCompressedClientMessagesWholeAndFragmented() throws {
        let (producer, _) = try compressedSession(sub: "feed", roles: ["producer"])
        let deflater = try XCTUnwrap(MessageDeflater(windowBits: 15, level: 6))
        let publish = Array(#"{"type":"publish","id":1,"channel":"signal:EURUSD","data":{"symbol":"EURUSD","n":1}}"#.utf8)
        try producer.send(compressedFrame(deflater.compress(publish)))
        XCTAssertEqual(try producer.nextJSON()["type"] as? String, "ack")
        let compressed = deflater.compress(Array(#"{"type":"ping","id":"fragments"}"#.utf8))
        let middle = compressed.count / 2
        try producer.send(compressedFrame(Array(compressed[..<middle]), fin: false))
        try producer.send(FrameEncoder.frame(opcode: .ping, payload: [], maskKey: 1))
        try producer.send(FrameEncoder.frame(opcode: .continuation, payload: Array(compressed[middle...]), maskKey: 1))
        var answer: [String: Any] = [:]
        repeat { answer = try producer.nextJSON() } while answer["type"] as? String != "pong"
        XCTAssertEqual(answer["id"] as? String, "fragments")
    }

    func testABombClosesWith1009AndTheServerKeepsServing() throws {
        let (attacker, _) = try compressedSession()
        let deflater = try XCTUnwrap(MessageDeflater(windowBits: 15, level: 9))
        let bomb = deflater.compress([UInt8](repeating: 0x20, count: 50_000_000))  // about 50 KB on the wire
        try attacker.send(compressedFrame(bomb))
        XCTAssertEqual(try attacker.expectClose(), .messageTooBig)
        XCTAssertEqual(try metric("streamd_inflate_failures_total"), 1)
        let (other, _) = try compressedSession()
        try other.sendText(#"{"type":"ping","id":1}"#)
        XCTAssertEqual(try other.nextJSON()["type"] as? String, "pong")
    }

    func testCorruptCompressedDataIs1007AndRSV1WithoutTheExtensionIs1002() throws {
        let (client, _) = try compressedSession()
        try client.send(compressedFrame([0xff, 0xff, 0xff, 0xff, 0x00]))
        XCTAssertEqual(try client.expectClose(), .invalidPayload)
        let plain = try server.session(token: TestServer.token())
        try plain.send(compressedFrame(Array("{}".utf8)))
        XCTAssertEqual(try plain.expectClose(), .protocolError)
    }

    func testAServerWindowTheClientAskedForIsHonoured() throws {
        let client = try server.client()
        let answer = try client.upgrade(extraHeaders: ["Authorization: Bearer \(TestServer.token())",
                                                       "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10"])
        XCTAssertEqual(answer.header("Sec-WebSocket-Extensions"),
                       "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10")
        // A 1 KiB window: a stream made with a larger one would refer further back and fail to inflate here.
        client.reader.enableCompression(windowBits: 10, noContextTakeover: true)
        XCTAssertEqual(try client.nextJSON()["type"] as? String, "welcome")
        try client.subscribe(["signal:EURUSD"])
        let block = (0..<120).map { #"{"k\#($0)":"v\#($0 * 7919 % 1000)"}"# }.joined(separator: ",")
        let producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        _ = try producer.publish("signal:EURUSD", #"{"symbol":"EURUSD","blocks":[\#(block),\#(block),\#(block),\#(block)]}"#)
        let message = try client.nextJSON()
        XCTAssertEqual(((message["data"] as? [String: Any])?["blocks"] as? [Any])?.count, 480)
    }

    /// The compressed drain path under load: a reader with a 4 KiB receive
    /// buffer, after a restart, replays 3,000 large order updates (most from
    /// disk) with live ones published mid-replay: every one in order, once,
    /// no 4008 and no silent gap.
    func testACompressingSlowReaderReplaysAcrossARestartWithoutAGap() throws {
        let directory = server.directory + "/streams-compressed"
        server.stop()
        server = try TestServer { $0.streams.dataDirectory = directory; $0.limits.maxOutboundBytes = 256 << 10 }
        let http = try BlockingTLSConnection(host: "127.0.0.1", port: server.port, caPath: server.caPath)
        let total = 3000
        for batch in stride(from: 1, through: total, by: 500) {
            let items = (batch..<(batch + 500)).map { #"{"channel":"order:acct-1","data":{"n":\#($0),"notes":"\#(String(repeating: "filled at the ask; ", count: 60))"}}"# }
            let answer = try http.exchange(method: "POST", path: "/api/v1/publish", host: "x",
                                           headers: [("Authorization", "Bearer \(TestServer.token(sub: "feed", roles: ["producer"]))")],
                                           body: Array("[\(items.joined(separator: ","))]".utf8))
            XCTAssertEqual(answer.status, 200, answer.bodyText)
        }
        server.stop()
        server = try TestServer { $0.streams.dataDirectory = directory; $0.limits.maxOutboundBytes = 256 << 10 }
        let producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        let epoch = try producer.publishAck("order:acct-1", #"{"n":\#(total + 1)}"#)["epoch"] as? String ?? ""
        let (client, _) = try compressedSession(receiveBuffer: 4096)
        try client.subscribe(["order:acct-1"], since: ["order:acct-1": ["seq": 0, "epoch": epoch]])
        var expected = 1
        while expected <= total + 21 {
            if expected == 300 { for n in 1...20 { _ = try producer.publishAck("order:acct-1", #"{"n":\#(total + 1 + n)}"#, id: n) } }
            if expected % 500 == 0 { usleep(50_000) }
            let message = try client.nextJSON()
            guard message["type"] as? String == "order_update", message["seq"] as? Int == expected,
                  (message["data"] as? [String: Any])?["n"] as? Int == expected else {
                return XCTFail("expected seq \(expected), got \(message)")
            }
            expected += 1
        }
        XCTAssertGreaterThan(try metric("streamd_compressed_frames_total"), 1000, "the replay went out compressed")
        try client.sendText(#"{"type":"ping","id":"end"}"#)
        XCTAssertEqual(try client.nextJSON()["type"] as? String, "pong", "nothing twice")
    }

    func testCompressionCanBeTurnedOff() throws {
        server.stop()
        server = try TestServer { $0.compression.enabled = false }
        let client = try server.client()
        let answer = try client.upgrade(extraHeaders: ["Authorization: Bearer \(TestServer.token())", CompressionTests.offer])
        XCTAssertNil(answer.header("Sec-WebSocket-Extensions"))
    }
}
