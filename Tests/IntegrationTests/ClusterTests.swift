import Foundation
import XCTest

/// Several real instances behind one real redis-server (issue 6): publish
/// on one and receive on all, one seq per channel, a client moving between
/// instances, Redis stopped and restarted mid-stream, caps across instances,
/// and gaps the shared history cannot fill surfacing as `recovery_failed`.
final class ClusterTests: XCTestCase {
    var redis: RedisProcess!
    var servers: [TestServer] = []

    override func setUpWithError() throws {
        redis = try RedisProcess()
    }

    override func tearDown() {
        for server in servers { server.stop() }
        servers = []
        redis?.cleanUp()
    }

    /// An instance joined to the test's Redis, once its links are up and resynced.
    private func instance(historyDepth: Int = 1000) throws -> TestServer {
        let url = redis.url
        let server = try TestServer(loops: 1) { configuration in
            configuration.cluster.redis = url
            configuration.streams.historyDepth = historyDepth
        }
        servers.append(server)
        XCTAssertTrue(TestServer.eventually(10) { (try? health(of: server)) == #"{"status":"ok","redis":"up"}"# },
                      "the instance never reported its Redis link up")
        return server
    }

    private func health(of server: TestServer) throws -> String {
        let client = try server.client()
        try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return try client.readResponse().body
    }

    private func producer(on server: TestServer) throws -> TestClient {
        try server.session(token: TestServer.token(sub: "feed", roles: ["producer"]))
    }

    @discardableResult
    private func publish(_ channel: String, id: Int, via client: TestClient) throws -> Int {
        try client.publish(channel, #"{"n":\#(id)}"#, id: id)
    }

    private func subscribe(_ client: TestClient, _ channels: [String], since: [String: Any]? = nil) throws {
        try client.subscribe(channels, since: since)
    }

    /// The next stream message (skipping nothing: every message must be one).
    private func nextMessage(_ client: TestClient) throws -> (type: String, seq: Int, n: Int?) {
        let message = try client.nextJSON()
        return (message["type"] as? String ?? "?", message["seq"] as? Int ?? -1,
                (message["data"] as? [String: Any])?["n"] as? Int)
    }

    func testPublishOnAnyInstanceReachesSubscribersOnEveryInstanceWithOneSeq() throws {
        let instances = try (0..<3).map { _ in try instance() }
        let subscribers = try instances.map { try $0.session(token: TestServer.token(sub: "acct-1")) }
        for subscriber in subscribers { try subscribe(subscriber, ["order:acct-1", "tick:EURUSD"]) }
        let producers = try instances.map { try producer(on: $0) }
        // Publish round-robin across the three instances: one sequence per channel.
        for n in 1...9 {
            XCTAssertEqual(try publish("order:acct-1", id: n, via: producers[n % 3]), n, "seq is shared across instances")
        }
        for (index, subscriber) in subscribers.enumerated() {
            for n in 1...9 {
                let message = try nextMessage(subscriber)
                XCTAssertEqual(message.type, "order_update")
                XCTAssertEqual(message.seq, n, "instance \(index) delivers in seq order, none missing")
                XCTAssertEqual(message.n, n)
            }
        }
        // Another user's private channel still reaches only its owner, whichever instance published it.
        let other = try instances[2].session(token: TestServer.token(sub: "acct-2"))
        try subscribe(other, ["order:acct-2"])
        try publish("order:acct-2", id: 1, via: producers[0])
        XCTAssertEqual(try nextMessage(other).seq, 1)
        try publish("tick:EURUSD", id: 100, via: producers[1])
        for subscriber in subscribers {
            let tick = try nextMessage(subscriber)
            XCTAssertEqual(tick.type, "tick", "acct-1 sees the tick next, never acct-2's order")
            XCTAssertEqual(tick.n, 100)
        }
    }

    func testAClientMovingToAnotherInstanceRecoversExactlyWhatItMissed() throws {
        let first = try instance(), second = try instance(), third = try instance()
        let feed = try producer(on: second)
        var client = try first.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(client, ["order:acct-1"])
        for n in 1...3 { try publish("order:acct-1", id: n, via: feed) }
        for n in 1...3 { XCTAssertEqual(try nextMessage(client).seq, n) }
        client.close()
        for n in 4...6 { try publish("order:acct-1", id: n, via: feed) }
        // Back on a third instance, which never had this client.
        client = try third.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(client, ["order:acct-1"], since: ["order:acct-1": 3])
        for n in 4...6 {
            let message = try nextMessage(client)
            XCTAssertEqual(message.seq, n, "replayed from the shared history in order")
            XCTAssertEqual(message.n, n)
        }
        try publish("order:acct-1", id: 7, via: feed)
        XCTAssertEqual(try nextMessage(client).seq, 7, "then live, no gap, no duplicate")
    }

    func testAnInstanceThatStopsLeavesItsClientsToRecoverOnAnother() throws {
        let doomed = try instance(), survivor = try instance()
        let feed = try producer(on: survivor)
        let client = try doomed.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(client, ["order:acct-1", "payload:acct-1"])
        for n in 1...2 { try publish("order:acct-1", id: n, via: feed) }
        for n in 1...2 { XCTAssertEqual(try nextMessage(client).seq, n) }
        doomed.stop()
        for n in 3...5 { try publish("order:acct-1", id: n, via: feed) }
        let moved = try survivor.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(moved, ["order:acct-1"], since: ["order:acct-1": 2])
        for n in 3...5 { XCTAssertEqual(try nextMessage(moved).seq, n) }
    }

    func testRedisStoppedAndRestartedMidStream() throws {
        let publisherSide = try instance(), subscriberSide = try instance()
        let feed = try producer(on: publisherSide)
        let client = try subscriberSide.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(client, ["order:acct-1"])
        for n in 1...3 { try publish("order:acct-1", id: n, via: feed) }
        for n in 1...3 { XCTAssertEqual(try nextMessage(client).seq, n) }

        redis.kill()
        XCTAssertTrue(TestServer.eventually(10) { (try? health(of: publisherSide))?.contains(#""status":"degraded""#) == true },
                      "healthz says so while Redis is down")
        XCTAssertThrowsError(try publish("order:acct-1", id: 99, via: feed), "a publish that cannot be numbered is refused") { error in
            XCTAssertTrue("\(error)".contains("unavailable"), "\(error)")
        }
        let http = try publisherSide.client()
        let body = #"{"channel":"order:acct-1","data":{"n":99}}"#
        try http.send("POST /api/v1/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(TestServer.token(sub: "feed", roles: ["producer"]))\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let refused = try http.readResponse()
        XCTAssertEqual(refused.status, 503, "over HTTPS the same refusal is a 503")
        XCTAssertTrue(refused.body.contains(#""error":"unavailable""#), refused.body)
        // Local subscribers keep being served: the session answers pings.
        try client.sendText(#"{"type":"ping","id":"p"}"#)
        XCTAssertEqual(try client.nextJSON()["type"] as? String, "pong")
        let metrics = try subscriberSide.client()
        try metrics.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(try metrics.readResponse().body.contains("streamd_redis_up 0"))

        // Redis comes back empty (no persistence): it lost the channel, so
        // numbering starts over in a new epoch, and the subscriber is told.
        try redis.start()
        for server in [publisherSide, subscriberSide] {
            XCTAssertTrue(TestServer.eventually(15) { (try? health(of: server)) == #"{"status":"ok","redis":"up"}"# },
                          "the instance reconnects by itself")
        }
        XCTAssertEqual(try publish("order:acct-1", id: 4, via: feed), 1, "a new epoch starts at 1; the refused publish took no number")
        let notice = try client.nextJSON()
        XCTAssertEqual(notice["type"] as? String, "recovery_failed", "\(notice)")
        XCTAssertEqual((notice["data"] as? [String: Any])?["reason"] as? String, "epoch_changed")
        XCTAssertEqual((notice["data"] as? [String: Any])?["since"] as? Int, 3)
        let next = try nextMessage(client)
        XCTAssertEqual(next.seq, 1)
        XCTAssertEqual(next.n, 4)
    }

    func testAnInstanceWhoseBusLinkDropsCatchesUpFromTheSharedStream() throws {
        let publisherSide = try instance(), subscriberSide = try instance()
        let feed = try producer(on: publisherSide)
        let client = try subscriberSide.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(client, ["order:acct-1"])
        try publish("order:acct-1", id: 1, via: feed)
        XCTAssertEqual(try nextMessage(client).seq, 1)
        // Redis drops every subscriber link; what is published meanwhile only
        // reaches the stream, and the reconnected instance must fetch it.
        XCTAssertNotEqual(try redis.cli(["CLIENT", "KILL", "TYPE", "pubsub"]), "0")
        for n in 2...6 { try publish("order:acct-1", id: n, via: feed) }
        for n in 2...6 {
            let message = try nextMessage(client)
            XCTAssertEqual(message.type, "order_update", "no gap notice: the stream still held them")
            XCTAssertEqual(message.seq, n)
        }
    }

    func testACommandLinkThatDropsAloneComesBackHealthy() throws {
        let server = try instance()
        let feed = try producer(on: server)
        try publish("tick:EURUSD", id: 1, via: feed)
        // Kills the command links (not the subscribed bus links, not redis-cli itself).
        XCTAssertNotEqual(try redis.cli(["CLIENT", "KILL", "TYPE", "normal"]), "0")
        XCTAssertTrue(TestServer.eventually(10) { (try? health(of: server)) == #"{"status":"ok","redis":"up"}"# },
                      "healthy again once the command link is back")
        XCTAssertTrue(TestServer.eventually(10) { (try? publish("tick:EURUSD", id: 2, via: feed)) != nil }, "publishing works again")
    }

    func testMessagesTheSharedHistoryLostAreAnnouncedNotSkipped() throws {
        let server = try instance()
        let feed = try producer(on: server)
        let client = try server.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(client, ["tick:EURUSD"])
        try publish("tick:EURUSD", id: 1, via: feed)
        let first = try client.nextJSON()
        XCTAssertEqual(first["seq"] as? Int, 1)
        let epoch = try XCTUnwrap(first["epoch"] as? String)
        // As if this instance's bus link had missed seq 2...4 and Redis had
        // trimmed them: seq 5 arrives with nothing in the stream before it.
        let envelope = #"{"type":"tick","channel":"tick:EURUSD","seq":5,"epoch":"\#(epoch)","timestamp":"2026-11-27T10:00:00.000Z","data":{"n":5}}"#
        try redis.cli(["PUBLISH", "streamd:bus", "5 - \(Int64(Date().timeIntervalSince1970 * 1000)) \(epoch) tick:EURUSD\n\(envelope)"])
        let notice = try client.nextJSON()
        XCTAssertEqual(notice["type"] as? String, "recovery_failed", "\(notice)")
        let data = notice["data"] as? [String: Any] ?? [:]
        XCTAssertEqual(data["channel"] as? String, "tick:EURUSD")
        XCTAssertEqual(data["since"] as? Int, 1)
        XCTAssertEqual(data["last_seq"] as? Int, 4)
        XCTAssertEqual(data["reason"] as? String, "gap")
        XCTAssertEqual(try nextMessage(client).seq, 5, "then the stream goes on")
        // A client asking to recover across the gap is told it cannot.
        let late = try server.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(late, ["tick:EURUSD"], since: ["tick:EURUSD": 2])
        XCTAssertEqual(try late.nextJSON()["type"] as? String, "recovery_failed")
    }

    func testABadRedisURLIsAClearStartupError() throws {
        XCTAssertThrowsError(try TestServer(loops: 1) { $0.cluster.redis = "http://127.0.0.1:6379" }) { error in
            XCTAssertTrue("\(error)".contains("--redis"), "\(error)")
            XCTAssertTrue("\(error)".contains("redis://"), "names the expected form: \(error)")
        }
    }

    func testConnectionCapPerSubjectHoldsAcrossInstances() throws {
        // The trader role allows 3 connections per subject.
        let instances = try (0..<3).map { _ in try instance() }
        var open = try instances.map { try $0.session(token: TestServer.token(sub: "acct-9")) }
        for server in instances {
            let answer = try server.upgradeResponse(headers: ["Authorization: Bearer \(TestServer.token(sub: "acct-9"))"])
            XCTAssertEqual(answer.status, 429, "the fourth connection is refused on every instance")
            XCTAssertTrue(answer.body.contains("across the cluster"), answer.body)
        }
        open.removeFirst().close()
        XCTAssertTrue(TestServer.eventually(5) {
            (try? instances[2].session(token: TestServer.token(sub: "acct-9"))).map { open.append($0); return true } ?? false
        }, "a closed session frees its slot for any instance")
        let audit = try String(contentsOfFile: instances[1].auditPath, encoding: .utf8)
        XCTAssertTrue(audit.contains(#""reason":"too_many_connections""#), "the refusal is audited with its reason")
    }

    func testFlushallUnderLiveSubscribersIsAnnouncedAsANewEpoch() throws {
        let publisherSide = try instance(), subscriberSide = try instance()
        let feed = try producer(on: publisherSide)
        let live = try subscriberSide.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(live, ["order:acct-1"])
        for n in 1...3 { try publish("order:acct-1", id: n, via: feed) }
        var oldEpoch = ""
        for n in 1...3 {
            let message = try live.nextJSON()
            XCTAssertEqual(message["seq"] as? Int, n)
            oldEpoch = message["epoch"] as? String ?? ""
        }
        XCTAssertEqual(try redis.cli(["FLUSHALL"]), "OK")
        XCTAssertEqual(try publish("order:acct-1", id: 4, via: feed), 1, "Redis lost the channel: numbering starts over")
        for client in [live] {
            let notice = try client.nextJSON()
            XCTAssertEqual(notice["type"] as? String, "recovery_failed", "\(notice)")
            let data = notice["data"] as? [String: Any] ?? [:]
            XCTAssertEqual(data["reason"] as? String, "epoch_changed")
            XCTAssertEqual(data["since_epoch"] as? String, oldEpoch)
            XCTAssertEqual(data["since"] as? Int, 3)
            XCTAssertEqual(data["replay_from"] as? Int, 1)
            let newEpoch = try XCTUnwrap(data["epoch"] as? String)
            XCTAssertNotEqual(newEpoch, oldEpoch)
            let first = try client.nextJSON()
            XCTAssertEqual(first["seq"] as? Int, 1, "then the new epoch from its start")
            XCTAssertEqual(first["epoch"] as? String, newEpoch)
            XCTAssertEqual((first["data"] as? [String: Any])?["n"] as? Int, 4)
        }
        // A client that was away recovers on either instance: told, then given the new epoch.
        for server in [publisherSide, subscriberSide] {
            let late = try server.session(token: TestServer.token(sub: "acct-1"))
            try subscribe(late, ["order:acct-1"], since: ["order:acct-1": ["seq": 3, "epoch": oldEpoch]])
            let notice = try late.nextJSON()
            XCTAssertEqual((notice["data"] as? [String: Any])?["reason"] as? String, "epoch_changed", "\(notice)")
            XCTAssertEqual((notice["data"] as? [String: Any])?["replay_from"] as? Int, 1)
            XCTAssertEqual(try nextMessage(late).n, 4)
        }
    }

    func testAnIdempotencyKeyIsAcceptedOnceAcrossInstances() throws {
        let first = try instance(), second = try instance()
        let subscriber = try second.session(token: TestServer.token(sub: "acct-1"))
        try subscribe(subscriber, ["order:acct-1"])
        let original = try producer(on: first).publishAck("order:acct-1", #"{"n":1}"#, idempotencyKey: "fill-42")
        XCTAssertEqual(original["seq"] as? Int, 1)
        XCTAssertNil(original["duplicate"])
        let retry = try producer(on: second).publishAck("order:acct-1", #"{"n":1}"#, idempotencyKey: "fill-42")
        XCTAssertEqual(retry["seq"] as? Int, 1, "the retry on another instance gets the original seq")
        XCTAssertEqual(retry["epoch"] as? String, original["epoch"] as? String)
        XCTAssertEqual(retry["duplicate"] as? Bool, true)
        XCTAssertEqual(try producer(on: second).publishAck("order:acct-1", #"{"n":2}"#, idempotencyKey: "fill-43")["seq"] as? Int, 2)
        XCTAssertEqual(try nextMessage(subscriber).n, 1)
        XCTAssertEqual(try nextMessage(subscriber).n, 2, "the repeat was never delivered")
    }
}
