import XCTest

@testable import WebSocket

/// The close handshake (RFC 6455 §5.5.1, §7.1) and the heartbeat, with no
/// socket and no clock: every ordering of closes and deadlines, each step's
/// action checked exactly. Times are nanoseconds from an arbitrary origin.
final class ConnectionLifecycleTests: XCTestCase {
    /// The server's numbers, scaled down: request 10 s, heartbeat 30 s
    /// (silence 60 s), close 5 s.
    static let timeouts = ConnectionLifecycle.Timeouts(request: 10_000, heartbeat: 30_000, silence: 60_000, close: 5_000)

    /// A server-side connection opened (TLS up, upgraded) at `at`.
    private func open(at now: UInt64 = 1_000) -> ConnectionLifecycle {
        var lifecycle = ConnectionLifecycle(now: 0, timeouts: Self.timeouts)
        lifecycle.transportReady()
        lifecycle.upgraded(now: now)
        return lifecycle
    }

    // MARK: Before the upgrade

    func testPhasesBeforeTheUpgrade() {
        var lifecycle = ConnectionLifecycle(now: 0, timeouts: Self.timeouts)
        XCTAssertEqual(lifecycle.phase, .connecting)
        lifecycle.transportReady()
        XCTAssertEqual(lifecycle.phase, .httpRequest)
        lifecycle.upgraded(now: 500)
        XCTAssertEqual(lifecycle.phase, .webSocket)
        XCTAssertEqual(lifecycle.nextPingAt, 30_500)
    }

    func testRequestDeadlineDropsASlowHandshakeOrRequest() {
        var connecting = ConnectionLifecycle(now: 0, timeouts: Self.timeouts)
        XCTAssertEqual(connecting.tick(now: 9_999), .none)
        XCTAssertEqual(connecting.tick(now: 10_000), .drop(.requestTimeout))

        var requesting = ConnectionLifecycle(now: 0, timeouts: Self.timeouts)
        requesting.transportReady()
        XCTAssertEqual(requesting.tick(now: 10_000), .drop(.requestTimeout))
    }

    func testEachKeepAliveAnswerRestartsTheRequestDeadline() {
        var lifecycle = ConnectionLifecycle(now: 0, timeouts: Self.timeouts)
        lifecycle.transportReady()
        lifecycle.requestAnswered(now: 8_000)
        XCTAssertEqual(lifecycle.tick(now: 17_999), .none)
        XCTAssertEqual(lifecycle.tick(now: 18_000), .drop(.requestTimeout))
    }

    func testCloseDuringHTTPPhaseClosesAfterTheAnswerIsWritten() {
        var lifecycle = ConnectionLifecycle(now: 0, timeouts: Self.timeouts)
        lifecycle.transportReady()
        XCTAssertEqual(lifecycle.finalAnswerQueued(now: 2_000), .closeAfterFlush(deadline: 7_000))
        XCTAssertEqual(lifecycle.phase, .closing)
        XCTAssertTrue(lifecycle.closesAfterFlush)
        XCTAssertNil(lifecycle.closeCode)
        // No close handshake in HTTP: a WebSocket close means nothing here,
        // and the request deadline no longer applies, only the close deadline.
        XCTAssertEqual(lifecycle.close(.goingAway, reason: "shutting down", now: 3_000), .none)
        XCTAssertEqual(lifecycle.tick(now: 6_999), .none)
        XCTAssertEqual(lifecycle.tick(now: 7_000), .drop(.closeTimeout))
    }

    func testAnHTTPRefusalBeforeTheHandshakeCompletes() {
        // A refusal only happens after a request, but a final answer is final in any open phase.
        var lifecycle = ConnectionLifecycle(now: 0, timeouts: Self.timeouts)
        XCTAssertEqual(lifecycle.finalAnswerQueued(now: 1), .closeAfterFlush(deadline: 5_001))
        XCTAssertEqual(lifecycle.phase, .closing)
    }

    func testTransportEndedBeforeTheUpgradeDrops() {
        var connecting = ConnectionLifecycle(now: 0, timeouts: Self.timeouts)
        XCTAssertEqual(connecting.transportEnded(), .drop(.transportEnded))
        var requesting = ConnectionLifecycle(now: 0, timeouts: Self.timeouts)
        requesting.transportReady()
        XCTAssertEqual(requesting.transportEnded(), .drop(.transportEnded))
    }

    func testNoCloseFrameBeforeTheUpgrade() {
        var lifecycle = ConnectionLifecycle(now: 0, timeouts: Self.timeouts)
        lifecycle.transportReady()
        XCTAssertEqual(lifecycle.receivedClose(.normal, now: 1), .none)
        XCTAssertEqual(lifecycle.failed(.protocolError, reason: "x", now: 1), .none)
        XCTAssertEqual(lifecycle.close(.normal, reason: "", now: 1), .none)
        XCTAssertEqual(lifecycle.phase, .httpRequest)
    }

    // MARK: We close first

    func testWeCloseFirstThenThePeerAnswers() {
        var lifecycle = open()
        XCTAssertEqual(lifecycle.close(.slowConsumer, reason: "too far behind", now: 2_000),
                       .sendClose(.slowConsumer, reason: "too far behind", closeAfterFlush: false, deadline: 7_000))
        XCTAssertEqual(lifecycle.phase, .closing)
        XCTAssertEqual(lifecycle.closeCode, .slowConsumer)
        XCTAssertFalse(lifecycle.closesAfterFlush, "we wait for the peer's close before closing TCP")
        XCTAssertFalse(lifecycle.answersPings)
        // The peer's close answers ours: close once flushed, no second close frame, deadline unchanged.
        XCTAssertEqual(lifecycle.receivedClose(.slowConsumer, now: 3_000), .closeAfterFlush(deadline: nil))
        XCTAssertTrue(lifecycle.closesAfterFlush)
        XCTAssertEqual(lifecycle.closeCode, .slowConsumer)
        XCTAssertEqual(lifecycle.closeDeadline, 7_000)
    }

    func testWeCloseFirstAndThePeerAnswersWithAnotherCode() {
        var lifecycle = open()
        _ = lifecycle.close(.tokenExpired, reason: "token expired", now: 2_000)
        XCTAssertEqual(lifecycle.receivedClose(.normal, now: 2_100), .closeAfterFlush(deadline: nil))
        XCTAssertEqual(lifecycle.closeCode, .tokenExpired, "the code we sent is the one recorded")
    }

    func testCloseDeadlineFiresBeforeThePeersClose() {
        var lifecycle = open()
        _ = lifecycle.close(.goingAway, reason: "server shutting down", now: 2_000)
        XCTAssertEqual(lifecycle.tick(now: 6_999), .none)
        XCTAssertEqual(lifecycle.tick(now: 7_000), .drop(.closeTimeout))
        lifecycle.dropped()
        XCTAssertEqual(lifecycle.phase, .closed)
        // The peer's close arriving after the drop changes nothing.
        XCTAssertEqual(lifecycle.receivedClose(.goingAway, now: 7_001), .none)
        XCTAssertEqual(lifecycle.tick(now: 99_999), .none)
    }

    func testPeersCloseArrivesBeforeTheCloseDeadline() {
        var lifecycle = open()
        _ = lifecycle.close(.goingAway, reason: "bye", now: 2_000)
        XCTAssertEqual(lifecycle.receivedClose(.goingAway, now: 6_999), .closeAfterFlush(deadline: nil))
        // Should the flush not finish, the deadline still holds.
        XCTAssertEqual(lifecycle.tick(now: 7_000), .drop(.closeTimeout))
    }

    func testClosingTwiceSendsOneCloseFrame() {
        var lifecycle = open()
        XCTAssertNotEqual(lifecycle.close(.rateLimited, reason: "rate", now: 2_000), .none)
        XCTAssertEqual(lifecycle.close(.slowConsumer, reason: "slow", now: 2_001), .none)
        XCTAssertEqual(lifecycle.closeCode, .rateLimited)
        XCTAssertEqual(lifecycle.closeDeadline, 7_000)
    }

    // MARK: The peer closes first

    func testPeerClosesFirstWeEchoItsCodeAndCloseTCPFirst() {
        var lifecycle = open()
        XCTAssertEqual(lifecycle.receivedClose(.goingAway, now: 4_000),
                       .sendClose(.goingAway, reason: "", closeAfterFlush: true, deadline: 9_000))
        XCTAssertEqual(lifecycle.phase, .closing)
        XCTAssertEqual(lifecycle.closeCode, .goingAway)
        XCTAssertTrue(lifecycle.closesAfterFlush)
        XCTAssertEqual(lifecycle.tick(now: 9_000), .drop(.closeTimeout))
    }

    func testPeerSendsAnEmptyCloseWeEchoAnEmptyOne() {
        var lifecycle = open()
        XCTAssertEqual(lifecycle.receivedClose(nil, now: 4_000), .sendClose(nil, reason: "", closeAfterFlush: true, deadline: 9_000))
        XCTAssertNil(lifecycle.closeCode)
    }

    func testPeerClosesFirstThenWeTryToCloseToo() {
        var lifecycle = open()
        _ = lifecycle.receivedClose(.normal, now: 4_000)
        XCTAssertEqual(lifecycle.close(.slowConsumer, reason: "late", now: 4_001), .none, "one close frame only")
        XCTAssertEqual(lifecycle.closeCode, .normal)
    }

    func testPeerSendsASecondCloseFrame() {
        var lifecycle = open()
        _ = lifecycle.receivedClose(.normal, now: 4_000)
        XCTAssertEqual(lifecycle.receivedClose(.normal, now: 4_001), .closeAfterFlush(deadline: nil))
        XCTAssertEqual(lifecycle.closeDeadline, 9_000)
    }

    // MARK: Both at once

    func testBothCloseAtOnceOursQueuedFirst() {
        // Our close is queued, and the peer's (sent before it saw ours) is
        // read in the same turn: each side's close is the other's answer.
        var lifecycle = open()
        _ = lifecycle.close(.goingAway, reason: "server shutting down", now: 5_000)
        XCTAssertEqual(lifecycle.receivedClose(.normal, now: 5_000), .closeAfterFlush(deadline: nil))
        XCTAssertEqual(lifecycle.closeCode, .goingAway)
        XCTAssertTrue(lifecycle.closesAfterFlush)
    }

    func testBothCloseAtOnceTheirsReadFirst() {
        var lifecycle = open()
        XCTAssertEqual(lifecycle.receivedClose(.normal, now: 5_000), .sendClose(.normal, reason: "", closeAfterFlush: true, deadline: 10_000))
        XCTAssertEqual(lifecycle.close(.goingAway, reason: "server shutting down", now: 5_000), .none)
        XCTAssertEqual(lifecycle.closeCode, .normal)
    }

    func testCloseDeadlineAndPeersCloseAtTheSameInstant() {
        // The deadline is checked by the sweep; a close read first still
        // leaves the deadline armed, so whichever runs first wins and the
        // other changes nothing.
        var readFirst = open()
        _ = readFirst.close(.goingAway, reason: "", now: 2_000)
        XCTAssertEqual(readFirst.receivedClose(.goingAway, now: 7_000), .closeAfterFlush(deadline: nil))
        XCTAssertEqual(readFirst.tick(now: 7_000), .drop(.closeTimeout))

        var tickFirst = open()
        _ = tickFirst.close(.goingAway, reason: "", now: 2_000)
        XCTAssertEqual(tickFirst.tick(now: 7_000), .drop(.closeTimeout))
        tickFirst.dropped()
        XCTAssertEqual(tickFirst.receivedClose(.goingAway, now: 7_000), .none)
    }

    // MARK: Protocol failures

    func testProtocolFailureFailsTheConnectionWithoutWaiting() {
        var lifecycle = open()
        XCTAssertEqual(lifecycle.failed(.protocolError, reason: "unmasked frame", now: 3_000),
                       .sendClose(.protocolError, reason: "unmasked frame", closeAfterFlush: true, deadline: 8_000))
        XCTAssertEqual(lifecycle.phase, .closing)
        XCTAssertEqual(lifecycle.closeCode, .protocolError)
        XCTAssertTrue(lifecycle.closesAfterFlush)
    }

    func testProtocolFailureWhileClosingStillSaysWhy() {
        var lifecycle = open()
        _ = lifecycle.close(.slowConsumer, reason: "behind", now: 2_000)
        XCTAssertEqual(lifecycle.failed(.messageTooBig, reason: "too big", now: 3_000),
                       .sendClose(.messageTooBig, reason: "too big", closeAfterFlush: true, deadline: 8_000))
        XCTAssertEqual(lifecycle.closeCode, .messageTooBig)
        XCTAssertTrue(lifecycle.closesAfterFlush)
    }

    // MARK: Transport end

    func testTransportEndedAfterTheUpgradeFlushesFirst() {
        var lifecycle = open()
        XCTAssertEqual(lifecycle.transportEnded(), .closeAfterFlush(deadline: nil))
        XCTAssertEqual(lifecycle.phase, .webSocket, "what is queued still goes out")
        XCTAssertTrue(lifecycle.closesAfterFlush)

        var closing = open()
        _ = closing.close(.normal, reason: "", now: 2_000)
        XCTAssertEqual(closing.transportEnded(), .closeAfterFlush(deadline: nil))
        XCTAssertTrue(closing.closesAfterFlush)
    }

    func testNothingHappensOnceClosed() {
        var lifecycle = open()
        lifecycle.dropped()
        XCTAssertEqual(lifecycle.transportEnded(), .none)
        XCTAssertEqual(lifecycle.finalAnswerQueued(now: 5), .none)
        XCTAssertEqual(lifecycle.failed(.protocolError, reason: "", now: 5), .none)
        XCTAssertEqual(lifecycle.close(.normal, reason: "", now: 5), .none)
        XCTAssertEqual(lifecycle.phase, .closed)
    }

    // MARK: Heartbeat

    func testHeartbeatPingSentEveryInterval() {
        var lifecycle = open(at: 1_000)
        XCTAssertEqual(lifecycle.tick(now: 30_999), .none)
        XCTAssertEqual(lifecycle.tick(now: 31_000), .sendPing)
        XCTAssertEqual(lifecycle.unansweredPingSince, 31_000)
        XCTAssertEqual(lifecycle.nextPingAt, 61_000)
        XCTAssertEqual(lifecycle.tick(now: 31_001), .none)
    }

    func testAnyBytesAnswerThePing() {
        var lifecycle = open(at: 1_000)
        XCTAssertEqual(lifecycle.tick(now: 31_000), .sendPing)
        lifecycle.received(now: 31_500)  // a pong, or any frame
        XCTAssertEqual(lifecycle.tick(now: 40_000), .none)
        XCTAssertNil(lifecycle.unansweredPingSince)
        XCTAssertEqual(lifecycle.tick(now: 61_000), .sendPing)
        XCTAssertEqual(lifecycle.unansweredPingSince, 61_000)
    }

    func testBytesAtThePingsInstantAnswerIt() {
        var lifecycle = open(at: 1_000)
        _ = lifecycle.tick(now: 31_000)
        lifecycle.received(now: 31_000)
        XCTAssertEqual(lifecycle.tick(now: 31_001), .none)
        XCTAssertNil(lifecycle.unansweredPingSince)
    }

    func testHeartbeatTimeoutNeedsAnUnansweredIntervalAndTwoSilentOnes() {
        var lifecycle = open(at: 1_000)
        lifecycle.received(now: 20_000)
        XCTAssertEqual(lifecycle.tick(now: 31_000), .sendPing)
        // A full interval after the ping, but 41 000 of silence, not 60 000: keep pinging.
        XCTAssertEqual(lifecycle.tick(now: 61_000), .sendPing)
        XCTAssertEqual(lifecycle.unansweredPingSince, 31_000, "the oldest unanswered ping counts")
        XCTAssertEqual(lifecycle.tick(now: 79_999), .none)
        XCTAssertEqual(lifecycle.tick(now: 80_000), .drop(.heartbeatTimeout))
    }

    func testHeartbeatTimeoutWhenSilentSinceOpening() {
        var lifecycle = open(at: 0)
        lifecycle.received(now: 0)
        XCTAssertEqual(lifecycle.tick(now: 30_000), .sendPing)
        XCTAssertEqual(lifecycle.tick(now: 59_999), .none)
        XCTAssertEqual(lifecycle.tick(now: 60_000), .drop(.heartbeatTimeout))
    }

    func testPongAfterTheTimeoutIsTooLate() {
        var lifecycle = open(at: 0)
        _ = lifecycle.tick(now: 30_000)
        XCTAssertEqual(lifecycle.tick(now: 60_000), .drop(.heartbeatTimeout))
        lifecycle.dropped()
        lifecycle.received(now: 60_001)
        XCTAssertEqual(lifecycle.tick(now: 60_002), .none)
    }

    func testHeartbeatDeadline() {
        var lifecycle = open(at: 0)
        XCTAssertEqual(lifecycle.heartbeatDeadline, 30_000, "the next ping")
        _ = lifecycle.tick(now: 30_000)
        XCTAssertEqual(lifecycle.heartbeatDeadline, 60_000, "the next ping, also when the silence runs out")
        lifecycle.received(now: 45_000)
        XCTAssertEqual(lifecycle.heartbeatDeadline, 60_000, "answered: the next ping")
        XCTAssertEqual(lifecycle.tick(now: 60_000), .sendPing)
        XCTAssertEqual(lifecycle.heartbeatDeadline, 90_000)
        // Silence since 45 000: the drop waits for 105 000, after the next ping.
        XCTAssertEqual(lifecycle.tick(now: 90_000), .sendPing)
        XCTAssertEqual(lifecycle.heartbeatDeadline, 105_000)
        XCTAssertEqual(lifecycle.tick(now: 105_000), .drop(.heartbeatTimeout))
    }

    func testNoHeartbeatWhileClosing() {
        var lifecycle = open(at: 0)
        _ = lifecycle.close(.normal, reason: "", now: 29_000)
        XCTAssertEqual(lifecycle.tick(now: 30_000), .none, "no ping after our close frame")
        XCTAssertFalse(lifecycle.answersPings)
    }

    func testCloseWhileAPingIsUnanswered() {
        var lifecycle = open(at: 0)
        _ = lifecycle.tick(now: 30_000)
        _ = lifecycle.close(.goingAway, reason: "", now: 31_000)
        // The close deadline rules now, not the heartbeat.
        XCTAssertEqual(lifecycle.tick(now: 35_999), .none)
        XCTAssertEqual(lifecycle.tick(now: 36_000), .drop(.closeTimeout))
    }

    // MARK: The client's settings

    /// The client: open from the start, heartbeat from its welcome, a ping
    /// unanswered for one interval ends the session, one second for the server's close.
    func testClientHeartbeatDropsAfterOneUnansweredInterval() {
        let timeouts = ConnectionLifecycle.Timeouts(request: .max, heartbeat: 30_000, silence: 30_000, close: 1_000)
        var lifecycle = ConnectionLifecycle(now: 0, timeouts: timeouts, phase: .webSocket)
        XCTAssertEqual(lifecycle.tick(now: 1_000_000), .none, "no heartbeat before the welcome")
        lifecycle.startHeartbeat(now: 1_000_000)
        XCTAssertEqual(lifecycle.tick(now: 1_030_000), .sendPing)
        XCTAssertEqual(lifecycle.heartbeatDeadline, 1_060_000)
        XCTAssertEqual(lifecycle.tick(now: 1_059_999), .none)
        XCTAssertEqual(lifecycle.tick(now: 1_060_000), .drop(.heartbeatTimeout))
    }

    func testClientStopsAndTheServerAnswers() {
        let timeouts = ConnectionLifecycle.Timeouts(request: .max, heartbeat: 30_000, silence: 30_000, close: 1_000)
        var lifecycle = ConnectionLifecycle(now: 0, timeouts: timeouts, phase: .webSocket)
        XCTAssertEqual(lifecycle.close(.normal, reason: "client stopping", now: 100),
                       .sendClose(.normal, reason: "client stopping", closeAfterFlush: false, deadline: 1_100))
        XCTAssertEqual(lifecycle.receivedClose(.normal, now: 200), .closeAfterFlush(deadline: nil))
    }
}
