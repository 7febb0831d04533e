import Foundation
import Glibc
import StreamClient
import XCTest

/// The Swift client's (epoch, seq) positions and wildcard recovery against
/// the real server: a restart starts a non-durable channel's numbering over,
/// and channels born while the client was away are recovered through a
/// pattern's `since`.
final class ClientEpochRecoveryTests: XCTestCase {
    /// Issue 11, scenario 1: five signals, a restart, seven more. The client
    /// is told the epoch changed and gets all twelve, none dropped as seen.
    func testARestartIsAnEpochChangeAndNoMessageIsDropped() throws {
        var server = try TestServer()
        let (client, recorder) = subscribedClient(["signal:EURUSD"], to: server)
        defer { client.stop() }
        try publishSignals("signal:EURUSD", 1...5, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count == 5 }, "\(recorder.summary)")

        server = try restart(server, noticedBy: recorder)
        defer { server.stop() }
        // Seq 1...7 of the new run, published while the client backs off (1 s).
        try publishSignals("signal:EURUSD", 6...12, on: server)
        XCTAssertTrue(TestServer.eventually(15) { recorder.messages.count >= 12 }, "\(recorder.summary)")
        usleep(200_000)  // room for a duplicate to show up, if there were one

        let messages = recorder.messages
        XCTAssertEqual(messages.map(\.seq), [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 6, 7], "\(recorder.summary)")
        XCTAssertEqual(messages.map { ($0.data["n"] as? NSNumber)?.intValue }, Array(1...12))
        let (oldEpoch, newEpoch) = (messages.first?.epoch, messages.last?.epoch)
        XCTAssertNotNil(oldEpoch)
        XCTAssertNotNil(newEpoch)
        XCTAssertNotEqual(oldEpoch, newEpoch)
        XCTAssertEqual(messages.map(\.epoch), Array(repeating: oldEpoch, count: 5) + Array(repeating: newEpoch, count: 7))

        XCTAssertEqual(recorder.epochChanges.count, 1, "\(recorder.summary)")
        XCTAssertEqual(recorder.epochChanges.first?.previous, StreamPosition(epoch: oldEpoch, seq: 5))
        // The client resubscribed with since {seq 5, epoch old}: the server says why it cannot continue.
        let notices = recorder.recoveryFailures
        XCTAssertEqual(notices.map(\.reason), ["epoch_changed"], "\(recorder.summary)")
        XCTAssertEqual(notices.first?.since, 5)
        XCTAssertEqual(notices.first?.sinceEpoch, oldEpoch)
        XCTAssertEqual(recorder.epochChanges.first?.source, .recoveryFailed)
        // The application hears of the change before the first message of the new epoch.
        let kinds = recorder.kinds.filter { $0 == "message" || $0 == "epochChanged" }
        XCTAssertEqual(kinds.firstIndex(of: "epochChanged"), 5, "\(kinds)")
    }

    /// A `signal:*` subscriber loses its link; meanwhile a symbol it never
    /// saw gets its first signals. The pattern's `since` brings them.
    func testWildcardRecoversAChannelBornWhileAway() throws {
        let server = try TestServer()
        defer { server.stop() }
        let proxy = try BlackholeProxy(targetPort: server.port)
        defer { proxy.close() }
        let recorder = EventRecorder()
        let client = proxy.quickClient(of: server, channels: ["signal:*"], recorder: recorder)
        client.start()
        defer { client.stop() }
        XCTAssertTrue(TestServer.eventually(10) { recorder.count(of: "subscribed") == 1 }, "\(recorder.summary)")
        try publishSignals("signal:EURUSD", 1...3, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count == 3 }, "\(recorder.summary)")

        proxy.blackhole(true)
        try publishSignals("signal:EURUSD", 4...4, on: server)
        try publishSignals("signal:NZDUSD", 1...2, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.disconnects.count >= 1 }, "\(recorder.summary)")
        proxy.blackhole(false)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count >= 6 }, "\(recorder.summary)")
        try publishSignals("signal:NZDUSD", 3...3, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count >= 7 }, "\(recorder.summary)")
        usleep(200_000)

        XCTAssertEqual(seqs(recorder, "signal:EURUSD"), [1, 2, 3, 4], "\(recorder.summary)")
        XCTAssertEqual(seqs(recorder, "signal:NZDUSD"), [1, 2, 3], "\(recorder.summary)")
        XCTAssertEqual(recorder.count(of: "recoveryFailed"), 0, "\(recorder.summary)")
        XCTAssertEqual(recorder.count(of: "epochChanged"), 0, "\(recorder.summary)")
    }

    /// Both at once: after a restart, `signal:*` resumes a channel it knew
    /// (new epoch: told, replayed from 1) and one born during the outage.
    func testWildcardAcrossARestart() throws {
        var server = try TestServer()
        let (client, recorder) = subscribedClient(["signal:*"], to: server)
        defer { client.stop() }
        try publishSignals("signal:EURUSD", 1...3, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count == 3 }, "\(recorder.summary)")

        server = try restart(server, noticedBy: recorder)
        defer { server.stop() }
        try publishSignals("signal:EURUSD", 4...5, on: server)
        try publishSignals("signal:NZDUSD", 1...2, on: server)
        XCTAssertTrue(TestServer.eventually(15) { recorder.messages.count >= 7 }, "\(recorder.summary)")
        try publishSignals("signal:NZDUSD", 3...3, on: server)
        XCTAssertTrue(TestServer.eventually(10) { recorder.messages.count >= 8 }, "\(recorder.summary)")
        usleep(200_000)

        XCTAssertEqual(seqs(recorder, "signal:EURUSD"), [1, 2, 3, 1, 2], "\(recorder.summary)")
        XCTAssertEqual(numbers(recorder, "signal:EURUSD"), [1, 2, 3, 4, 5])
        XCTAssertEqual(seqs(recorder, "signal:NZDUSD"), [1, 2, 3], "\(recorder.summary)")
        XCTAssertEqual(recorder.epochChanges.map(\.channel), ["signal:EURUSD"], "\(recorder.summary)")
        XCTAssertEqual(recorder.epochChanges.first?.previous.seq, 3)
        XCTAssertTrue(recorder.recoveryFailures.allSatisfy { $0.channel == "signal:EURUSD" && $0.reason == "epoch_changed" },
                      "\(recorder.summary)")
    }

    // MARK: Helpers

    /// A client on `channels`, subscribed. It retries after 1 s, long enough
    /// for a test to publish on a restarted server before the client is back.
    private func subscribedClient(_ channels: [String], to server: TestServer) -> (StreamConnection, EventRecorder) {
        let recorder = EventRecorder()
        let client = StreamConnection(configuration: StreamClientConfiguration(
            url: "wss://127.0.0.1:\(server.port)/ws", token: TestServer.token(sub: "acct-1"), caPath: server.caPath,
            channels: channels, heartbeatInterval: 5, backoff: BackoffPolicy(initial: 1, factor: 2, cap: 2, jitter: false)),
            onEvent: recorder.record)
        client.start()
        XCTAssertTrue(TestServer.eventually(10) { recorder.count(of: "subscribed") == 1 }, "\(recorder.summary)")
        return (client, recorder)
    }

    /// Stops the server and, once the client noticed, starts a new one on the
    /// same port: signal channels (not durable) start their numbering over.
    private func restart(_ server: TestServer, noticedBy recorder: EventRecorder) throws -> TestServer {
        let port = server.port
        server.stop()
        XCTAssertTrue(TestServer.eventually(10) { recorder.count(of: "disconnected") >= 1 }, "\(recorder.summary)")
        return try TestServer { $0.port = port }
    }

    /// Publishes signals whose `data.n` counts across runs, so a message is
    /// recognisable whatever seq the server gave it.
    private func publishSignals(_ channel: String, _ numbers: ClosedRange<Int>, on server: TestServer) throws {
        let symbol = channel.split(separator: ":").last.map(String.init) ?? ""
        let producer = try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
        for n in numbers {
            try producer.sendText(#"{"type":"publish","id":\#(n),"channel":"\#(channel)","data":{"symbol":"\#(symbol)","side":"buy","n":\#(n)}}"#)
            let ack = try producer.nextJSON()
            XCTAssertEqual(ack["type"] as? String, "ack", "\(ack)")
        }
        try? producer.sendFrame(0x8, [0x03, 0xE8])
    }

    private func seqs(_ recorder: EventRecorder, _ channel: String) -> [UInt64?] {
        recorder.messages.filter { $0.channel == channel }.map(\.seq)
    }

    private func numbers(_ recorder: EventRecorder, _ channel: String) -> [Int?] {
        recorder.messages.filter { $0.channel == channel }.map { ($0.data["n"] as? NSNumber)?.intValue }
    }
}

extension EventRecorder {
    var epochChanges: [EpochChange] { all.compactMap { if case .epochChanged(let change) = $0 { return change } else { return nil } } }

    var recoveryFailures: [RecoveryFailure] {
        all.compactMap { if case .recoveryFailed(let failure) = $0 { return failure } else { return nil } }
    }
}
