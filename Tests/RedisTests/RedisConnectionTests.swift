import NetCore
import Redis
import XCTest

/// Against a real redis-server on loopback. Waits are generous and nothing
/// asserts speed: these tests check what happens, not how fast.
final class RedisConnectionTests: XCTestCase {
    private var server: RedisServerProcess!
    private var harness: LoopHarness!
    private var connections: [TestConnection] = []

    override func setUpWithError() throws {
        server = try RedisServerProcess()
        try server.start()
        harness = try LoopHarness()
    }

    override func tearDown() {
        for connection in connections { connection.close() }
        connections = []
        harness?.shutdown()
        server?.cleanUp()
    }

    private func connect(_ endpoint: RedisEndpoint? = nil, options: RedisConnectionOptions = .init(),
                         hook: ((RedisConnection, Int, @escaping (Result<Void, RedisError>) -> Void) -> Void)? = nil,
                         waitForReady: Bool = true) -> TestConnection {
        let connection = TestConnection(harness: harness, endpoint: endpoint ?? RedisEndpoint(address: server.address),
                                        options: options, hook: hook)
        connections.append(connection)
        connection.start()
        if waitForReady { XCTAssertTrue(connection.waitUntilReady(), "never ready: \(connection.states)") }
        return connection
    }

    func testSetThenGetBinaryValue() throws {
        let redis = connect()
        let value: [UInt8] = [0x00, 0x0D, 0x0A, 0xFF, 0x24, 0x2A]
        XCTAssertEqual(redis.command([Array("SET".utf8), Array("k".utf8), value]), .success(.simpleString("OK")))
        XCTAssertEqual(redis.command(["GET", "k"]), .success(.bulk(value)))
        XCTAssertEqual(redis.command(["GET", "missing"]), .success(.null))
        XCTAssertEqual(redis.states, [.connecting, .ready])
    }

    func testTenThousandPipelinedIncrsAnswerInOrder() throws {
        let redis = connect()
        let count = 10_000
        let results = Locked<[Int64]>([])
        let done = DispatchSemaphore(value: 0)
        harness.onLoop {
            // All queued in one loop turn: they leave corked and the replies
            // must come back matched to completions in order.
            for _ in 0..<count {
                redis.connection.send(["INCR", "counter"]) { result in
                    let value = (try? result.get())?.int ?? -1
                    if results.withLock({ $0.append(value); return $0.count }) == count { done.signal() }
                }
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(results.value, (1...Int64(count)).map { $0 })
        XCTAssertEqual(harness.onLoop { redis.connection.pendingCount }, 0)
    }

    func testEvalRunsALuaScript() throws {
        let redis = connect()
        let script = "redis.call('SET', KEYS[1], ARGV[1]); return {KEYS[1], redis.call('GET', KEYS[1]), tonumber(ARGV[2]) + 1}"
        XCTAssertEqual(redis.command(["EVAL", script, "1", "lua-key", "lua-value", "41"]),
                       .success(.array([.bulk(Array("lua-key".utf8)), .bulk(Array("lua-value".utf8)), .integer(42)])))
        guard case .success(.error(let message)) = redis.command(["EVAL", "return redis.error_reply('NOPE no way')", "0"]) else {
            return XCTFail("a Lua error_reply must arrive as an error value")
        }
        XCTAssertTrue(message.hasPrefix("NOPE"), message)
    }

    func testErrorReplyIsAValueAndTheConnectionCarriesOn() throws {
        let redis = connect()
        guard case .success(.error(let unknown)) = redis.command(["NOSUCHCOMMAND", "x"]) else { return XCTFail("expected -ERR") }
        XCTAssertTrue(unknown.hasPrefix("ERR unknown command"), unknown)
        XCTAssertEqual(redis.command(["SET", "text", "abc"]), .success(.simpleString("OK")))
        guard case .success(.error(let wrongType)) = redis.command(["INCR", "text"]) else { return XCTFail("expected -ERR") }
        XCTAssertTrue(wrongType.contains("not an integer"), wrongType)
        XCTAssertEqual(redis.command(["PING"]), .success(.simpleString("PONG")))
        XCTAssertEqual(redis.state, .ready)
    }

    func testPubSubDeliversBetweenTwoConnections() throws {
        let subscriber = connect()
        let publisher = connect()
        let confirmed = Locked(0)
        harness.onLoop {
            subscriber.connection.subscribe(["news"]) { if case .success = $0 { confirmed.withLock { $0 += 1 } } }
            subscriber.connection.psubscribe(["alerts.*"]) { if case .success = $0 { confirmed.withLock { $0 += 1 } } }
        }
        XCTAssertTrue(subscriber.wait { _ in confirmed.value == 2 }, "subscriptions never confirmed")
        // In subscriber mode PING answers with an array; it must still find its completion.
        XCTAssertEqual(subscriber.command(["PING"]), .success(.array([.bulk(Array("pong".utf8)), .bulk([])])))

        let payload: [UInt8] = [0x7B, 0x00, 0x0D, 0x0A, 0x7D]
        XCTAssertEqual(publisher.command([Array("PUBLISH".utf8), Array("news".utf8), payload]), .success(.integer(1)))
        XCTAssertEqual(publisher.command(["PUBLISH", "alerts.fire", "smoke"]), .success(.integer(1)))
        XCTAssertEqual(publisher.command(["PUBLISH", "elsewhere", "nobody"]), .success(.integer(0)))
        XCTAssertTrue(subscriber.wait { $0.messages.count == 2 }, "got \(subscriber.messages)")
        let messages = subscriber.messages
        XCTAssertEqual(messages.map(\.channel), ["news", "alerts.fire"])
        XCTAssertEqual(messages.map(\.payload), [payload, Array("smoke".utf8)])

        let unsubscribed = Locked(false)
        harness.onLoop { subscriber.connection.unsubscribe(["news"]) { result in unsubscribed.withLock { $0 = (try? result.get()) != nil } } }
        XCTAssertTrue(subscriber.wait { _ in unsubscribed.value })
        XCTAssertEqual(publisher.command(["PUBLISH", "news", "late"]), .success(.integer(0)))
        XCTAssertEqual(harness.onLoop { subscriber.connection.subscriptions.channels }, [])
    }

    func testSubscriptionsMadeBeforeStartAndInTheHookAreLiveWhenReady() throws {
        let publisher = connect()
        let subscriber = TestConnection(harness: harness, endpoint: RedisEndpoint(address: server.address)) { connection, _, done in
            connection.subscribe(["from-hook"])
            done(.success(()))
        }
        connections.append(subscriber)
        let early = Locked<Result<Void, RedisError>?>(nil)
        harness.onLoop { subscriber.connection.subscribe(["early"]) { result in early.withLock { $0 = result } } }
        XCTAssertNil(early.value, "nothing can confirm a subscription before the connection starts")
        subscriber.start()
        XCTAssertTrue(subscriber.waitUntilReady(), "\(subscriber.states)")
        XCTAssertTrue(subscriber.wait { _ in early.value != nil })
        XCTAssertNotNil(try? early.value?.get())
        XCTAssertEqual(publisher.command(["PUBLISH", "early", "1"]), .success(.integer(1)))
        XCTAssertEqual(publisher.command(["PUBLISH", "from-hook", "2"]), .success(.integer(1)))
        XCTAssertTrue(subscriber.wait { $0.messages.count == 2 }, "got \(subscriber.messages)")
        XCTAssertEqual(subscriber.messages.map(\.channel), ["early", "from-hook"])
    }

    func testHungServerIsDetectedByTheHealthCheck() throws {
        // A subscriber sends nothing on its own: only the PING notices the silence.
        let options = RedisConnectionOptions(initialBackoff: 0.05, maxBackoff: 0.2, replyTimeout: 0.5, healthCheckInterval: 0.1)
        let subscriber = connect(options: options)
        harness.onLoop { subscriber.connection.subscribe(["quiet"]) }
        let before = subscriber.states.count
        server.pause()
        defer { server.resume() }
        XCTAssertTrue(subscriber.wait {
            $0.states.dropFirst(before).contains { if case .disconnected(let r) = $0 { r.hasPrefix("no reply within") } else { false } }
        }, "\(subscriber.states)")
        server.resume()
        XCTAssertTrue(subscriber.waitUntilReady(after: before + 1), "\(subscriber.states)")
    }

    func testServerKilledMidStreamThenRestartedComesBackByItself() throws {
        let options = RedisConnectionOptions(initialBackoff: 0.05, maxBackoff: 0.5, healthCheckInterval: nil)
        let redis = connect(options: options) { connection, _, done in
            // The hook may send before .ready; its reply gates readiness.
            connection.send(["CLIENT", "SETNAME", "hooked"]) { result in
                done(result == .success(.simpleString("OK")) ? .success(()) : .failure(.server("\(result)")))
            }
        }
        let subscriber = connect(options: options)
        harness.onLoop { subscriber.connection.subscribe(["restart-news"]) }
        XCTAssertEqual(redis.hookRuns, 1)
        XCTAssertEqual(redis.command(["CLIENT", "GETNAME"]), .success(.bulk(Array("hooked".utf8))))

        // BLPOP on an empty list never answers: a completion is pending when the server dies.
        let blocked = Locked<Result<RESPValue, RedisError>?>(nil)
        harness.onLoop { redis.connection.send(["BLPOP", "empty-list", "0"]) { result in blocked.withLock { $0 = result } } }
        XCTAssertTrue(redis.wait { _ in server.isRunning && self.harness.onLoop { redis.connection.pendingCount } == 1 })
        let statesBefore = redis.states.count
        server.kill()

        XCTAssertTrue(redis.wait { _ in blocked.value != nil }, "the pending BLPOP was never failed")
        guard case .failure(.disconnected(let reason))? = blocked.value else { return XCTFail("got \(String(describing: blocked.value))") }
        XCTAssertFalse(reason.isEmpty)
        XCTAssertTrue(redis.wait { $0.states.dropFirst(statesBefore).contains { if case .disconnected = $0 { true } else { false } } },
                      "state never went disconnected: \(redis.states)")

        // While down, send fails at once: the completion runs before send returns.
        let immediate: Result<RESPValue, RedisError>? = harness.onLoop {
            var answer: Result<RESPValue, RedisError>?
            redis.connection.send(["PING"]) { answer = $0 }
            return answer
        }
        XCTAssertEqual(immediate, .failure(.notConnected))

        let statesWhileDown = redis.states.count
        try server.start()
        XCTAssertTrue(redis.waitUntilReady(after: statesWhileDown), "never came back: \(redis.states)")
        XCTAssertEqual(redis.hookRuns, 2)
        XCTAssertEqual(redis.command(["CLIENT", "GETNAME"]), .success(.bulk(Array("hooked".utf8))))
        XCTAssertEqual(redis.command(["SET", "after", "restart"]), .success(.simpleString("OK")))
        XCTAssertEqual(redis.command(["GET", "after"]), .success(.bulk(Array("restart".utf8))))

        // The subscriber resubscribed on its own before becoming ready again.
        XCTAssertTrue(subscriber.waitUntilReady(after: 2), "subscriber never came back: \(subscriber.states)")
        XCTAssertEqual(redis.command(["PUBLISH", "restart-news", "back"]), .success(.integer(1)))
        XCTAssertTrue(subscriber.wait { $0.messages.map(\.channel) == ["restart-news"] }, "got \(subscriber.messages)")
    }

    func testUnansweredCommandTimesOutAndTheConnectionIsRebuilt() throws {
        let options = RedisConnectionOptions(initialBackoff: 0.05, maxBackoff: 0.2, replyTimeout: 0.3, healthCheckInterval: nil)
        let redis = connect(options: options)
        XCTAssertEqual(redis.command(["BLPOP", "never", "0"]).map { result -> String in
            if case .failure(.disconnected(let reason)) = result { return reason }
            return "\(result)"
        }?.hasPrefix("no reply within"), true)
        XCTAssertTrue(redis.waitUntilReady(after: 2), "never came back: \(redis.states)")
        XCTAssertEqual(redis.command(["PING"]), .success(.simpleString("PONG")))
    }

    func testPendingLimitRefusesTheCommandBeyondIt() throws {
        let redis = connect(options: RedisConnectionOptions(maxPending: 5))
        let answers = Locked<[Result<RESPValue, RedisError>]>([])
        let refused: Result<RESPValue, RedisError>? = harness.onLoop {
            // One loop turn: no reply can arrive in between, so the sixth finds five pending.
            for _ in 0..<5 { redis.connection.send(["PING"]) { result in answers.withLock { $0.append(result) } } }
            var sixth: Result<RESPValue, RedisError>?
            redis.connection.send(["PING"]) { sixth = $0 }
            return sixth
        }
        XCTAssertEqual(refused, .failure(.overloaded(limit: 5)))
        XCTAssertTrue(redis.wait { _ in answers.value.count == 5 })
        XCTAssertEqual(answers.value, Array(repeating: .success(.simpleString("PONG")), count: 5))
    }

    func testNotStartedAndClosedConnectionsRefuseAtOnce() throws {
        let redis = connect(waitForReady: false)
        redis.close()
        let lateAnswer: Result<RESPValue, RedisError>? = harness.onLoop {
            var answer: Result<RESPValue, RedisError>?
            redis.connection.send(["PING"]) { answer = $0 }
            return answer
        }
        XCTAssertEqual(lateAnswer, .failure(.closed))
        XCTAssertEqual(redis.state, .closed)

        let idle = TestConnection(harness: harness, endpoint: RedisEndpoint(address: server.address))
        let earlyAnswer: Result<RESPValue, RedisError>? = harness.onLoop {
            var answer: Result<RESPValue, RedisError>?
            idle.connection.send(["PING"]) { answer = $0 }
            return answer
        }
        XCTAssertEqual(earlyAnswer, .failure(.notConnected))
    }

    func testRefusedConnectRetriesUntilTheServerAppears() throws {
        server.kill()
        let options = RedisConnectionOptions(initialBackoff: 0.05, maxBackoff: 0.2, healthCheckInterval: nil)
        let redis = connect(options: options, waitForReady: false)
        XCTAssertTrue(redis.wait { $0.states.filter { if case .disconnected = $0 { true } else { false } }.count >= 2 },
                      "expected repeated failed attempts: \(redis.states)")
        guard case .disconnected(let reason)? = redis.states.last(where: { if case .disconnected = $0 { true } else { false } }) else {
            return XCTFail("no disconnected state")
        }
        XCTAssertTrue(reason.contains("Connection refused"), reason)
        try server.start()
        XCTAssertTrue(redis.waitUntilReady(), "never connected: \(redis.states)")
        XCTAssertEqual(redis.command(["PING"]), .success(.simpleString("PONG")))
    }

    func testFailingHookDropsTheConnectionAndRetries() throws {
        let options = RedisConnectionOptions(initialBackoff: 0.05, maxBackoff: 0.2, healthCheckInterval: nil)
        let redis = connect(options: options) { _, run, done in
            done(run == 1 ? .failure(.server("first run refuses")) : .success(()))
        }
        XCTAssertEqual(redis.hookRuns, 2)
        XCTAssertTrue(redis.states.contains(.disconnected("onConnected failed: redis: the server refused: first run refuses")),
                      "\(redis.states)")
        XCTAssertEqual(redis.command(["PING"]), .success(.simpleString("PONG")))
    }
}

final class RedisAuthenticationTests: XCTestCase {
    private var server: RedisServerProcess!
    private var harness: LoopHarness!

    override func setUpWithError() throws {
        server = try RedisServerProcess(extraArguments: ["--requirepass", "s3cret pass"])
        try server.start()
        harness = try LoopHarness()
    }

    override func tearDown() {
        harness?.shutdown()
        server?.cleanUp()
    }

    func testPasswordAndDatabaseFromTheEndpoint() throws {
        let endpoint = try RedisEndpoint(url: "redis://:s3cret%20pass@127.0.0.1:\(server.port)/3")
        let db3 = TestConnection(harness: harness, endpoint: endpoint)
        defer { db3.close() }
        db3.start()
        XCTAssertTrue(db3.waitUntilReady(), "\(db3.states)")
        XCTAssertEqual(db3.command(["SET", "where", "db3"]), .success(.simpleString("OK")))

        let db0 = TestConnection(harness: harness, endpoint: RedisEndpoint(address: server.address, password: "s3cret pass"))
        defer { db0.close() }
        db0.start()
        XCTAssertTrue(db0.waitUntilReady(), "\(db0.states)")
        XCTAssertEqual(db0.command(["GET", "where"]), .success(.null))
        XCTAssertEqual(db0.command(["SELECT", "3"]), .success(.simpleString("OK")))
        XCTAssertEqual(db0.command(["GET", "where"]), .success(.bulk(Array("db3".utf8))))
    }

    func testWrongPasswordNeverBecomesReady() throws {
        let options = RedisConnectionOptions(initialBackoff: 0.05, maxBackoff: 0.2, healthCheckInterval: nil)
        let redis = TestConnection(harness: harness, endpoint: RedisEndpoint(address: server.address, password: "wrong"), options: options)
        defer { redis.close() }
        redis.start()
        XCTAssertTrue(redis.wait { $0.states.contains { if case .disconnected(let r) = $0 { r.hasPrefix("AUTH refused") } else { false } } },
                      "\(redis.states)")
        XCTAssertFalse(redis.states.contains(.ready))
        XCTAssertFalse(redis.states.description.contains("wrong"), "the password leaked into a state: \(redis.states)")
    }
}
