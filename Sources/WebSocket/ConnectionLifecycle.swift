/// The life of one connection once its transport is up, as a value: HTTP
/// requests, then (after an upgrade) WebSocket frames kept alive by a
/// heartbeat, then the close handshake (RFC 6455 §5.5.1, §7). Events come in
/// with the time (`now`, monotonic nanoseconds) and the answer is an action
/// for the caller to carry out: send this close frame, send a ping, close the
/// transport once everything queued is written, drop the socket. It never
/// touches a socket or a clock, so every ordering of closes and timeouts is
/// a unit test (Tests/WebSocketTests/ConnectionLifecycleTests.swift).
///
/// The server's `Connection` and the client's session both drive one.
public struct ConnectionLifecycle: Sendable {
    public enum Phase: Sendable, Hashable {
        /// The transport (TLS) is being set up; no request yet.
        case connecting
        /// HTTP requests (keep-alive), before any upgrade.
        case httpRequest
        /// Upgraded: WebSocket frames both ways, the heartbeat running.
        case webSocket
        /// Our last word (a close frame or a final HTTP answer) is queued;
        /// waiting for the peer's close frame or the close deadline.
        case closing
        case closed
    }

    /// Nanoseconds; fixed for the life of the connection.
    public struct Timeouts: Sendable, Hashable {
        /// From the start of the transport (and from each keep-alive answer)
        /// to the next complete request.
        public var request: UInt64
        /// Between pings.
        public var heartbeat: UInt64
        /// A ping unanswered for `heartbeat` drops the connection only once
        /// nothing at all arrived for this long either.
        public var silence: UInt64
        /// From our close frame (or final HTTP answer) to dropping a peer that never closed.
        public var close: UInt64

        public init(request: UInt64, heartbeat: UInt64, silence: UInt64, close: UInt64) {
            self.request = request
            self.heartbeat = heartbeat
            self.silence = silence
            self.close = close
        }
    }

    public enum DropReason: Sendable, Hashable {
        /// No complete HTTP request (or TLS handshake) in time.
        case requestTimeout
        /// A ping went unanswered and the peer stayed silent.
        case heartbeatTimeout
        /// The peer never answered our close.
        case closeTimeout
        /// The peer ended the transport (TLS close_notify) before any upgrade.
        case transportEnded
    }

    public enum Action: Sendable, Hashable {
        case none
        /// Queue this close frame (`code` nil: an empty close frame). The
        /// close deadline is armed at `deadline`; with `closeAfterFlush` the
        /// transport closes as soon as the frame is written (the handshake is
        /// complete, or we fail the connection), otherwise we wait for the
        /// peer's close frame.
        case sendClose(CloseCode?, reason: String, closeAfterFlush: Bool, deadline: UInt64)
        /// Close the transport once everything queued is written; `deadline`,
        /// when set, is a newly armed close deadline.
        case closeAfterFlush(deadline: UInt64?)
        /// Send a heartbeat ping.
        case sendPing
        /// Drop the socket now.
        case drop(DropReason)
    }

    public private(set) var phase: Phase
    public let timeouts: Timeouts
    /// The close code we sent (ours, the peer's echoed, or the protocol failure's).
    public private(set) var closeCode: CloseCode?
    /// Close the transport once everything queued has been written.
    public private(set) var closesAfterFlush = false
    /// When a closing connection is dropped whatever the peer does (`.max`: not closing).
    public private(set) var closeDeadline: UInt64 = .max
    /// When the current HTTP request started: the transport's start, then each keep-alive answer.
    public private(set) var requestStartedAt: UInt64
    /// When bytes last arrived; any bytes count as liveness.
    public var lastReceivedAt: UInt64 { receivedAt }
    @usableFromInline var receivedAt: UInt64
    public private(set) var nextPingAt: UInt64 = .max
    /// When the oldest ping still unanswered was sent.
    public private(set) var unansweredPingSince: UInt64?

    public init(now: UInt64, timeouts: Timeouts, phase: Phase = .connecting) {
        self.phase = phase
        self.timeouts = timeouts
        requestStartedAt = now
        receivedAt = now
    }

    // MARK: Before the upgrade

    /// The transport is up (TLS handshake complete): requests may come.
    public mutating func transportReady() {
        if phase == .connecting { phase = .httpRequest }
    }

    /// A keep-alive answer went out; the next request's time starts now.
    public mutating func requestAnswered(now: UInt64) {
        requestStartedAt = now
    }

    /// The upgrade succeeded: frames from now on, and the heartbeat starts.
    public mutating func upgraded(now: UInt64) {
        phase = .webSocket
        startHeartbeat(now: now)
    }

    /// A final HTTP answer (an error, or `Connection: close`) is queued:
    /// close once it is written, or at the close deadline.
    public mutating func finalAnswerQueued(now: UInt64) -> Action {
        guard phase != .closed else { return .none }
        phase = .closing
        closesAfterFlush = true
        closeDeadline = now &+ timeouts.close
        return .closeAfterFlush(deadline: closeDeadline)
    }

    // MARK: Heartbeat

    /// The first ping goes out one interval from now (a client starts it once it is welcomed).
    public mutating func startHeartbeat(now: UInt64) {
        nextPingAt = now &+ timeouts.heartbeat
    }

    /// Bytes arrived (called on every socket read: keep it a store).
    @inlinable
    public mutating func received(now: UInt64) {
        receivedAt = now
    }

    /// Pings are answered only while open: after our close frame nothing else may follow (§5.5.1).
    public var answersPings: Bool { phase == .webSocket }

    /// The earliest time `tick` may do something on an open connection: the
    /// next ping or, with a ping unanswered, the heartbeat timeout.
    public var heartbeatDeadline: UInt64 {
        guard let since = unansweredPingSince, lastReceivedAt < since else { return nextPingAt }
        return min(nextPingAt, max(since &+ timeouts.heartbeat, lastReceivedAt &+ timeouts.silence))
    }

    /// Checks the deadline of the current phase: the request deadline before
    /// the upgrade, the heartbeat while open, the close deadline while closing.
    public mutating func tick(now: UInt64) -> Action {
        switch phase {
        case .connecting, .httpRequest:
            return now &- requestStartedAt >= timeouts.request ? .drop(.requestTimeout) : .none
        case .webSocket:
            if let since = unansweredPingSince {
                if lastReceivedAt >= since {
                    unansweredPingSince = nil
                } else if now &- since >= timeouts.heartbeat, now &- lastReceivedAt >= timeouts.silence {
                    return .drop(.heartbeatTimeout)
                }
            }
            guard now >= nextPingAt else { return .none }
            if unansweredPingSince == nil { unansweredPingSince = now }
            nextPingAt = now &+ timeouts.heartbeat
            return .sendPing
        case .closing:
            return now >= closeDeadline ? .drop(.closeTimeout) : .none
        case .closed:
            return .none
        }
    }

    // MARK: Closing

    /// We close first: send `code`, then wait for the peer's close frame (or
    /// the close deadline). Only an open WebSocket closes this way.
    public mutating func close(_ code: CloseCode, reason: String, now: UInt64) -> Action {
        guard phase == .webSocket else { return .none }
        closeCode = code
        phase = .closing
        closeDeadline = now &+ timeouts.close
        return .sendClose(code, reason: reason, closeAfterFlush: false, deadline: closeDeadline)
    }

    /// The peer's close frame. If it answers ours the handshake is complete;
    /// if the peer closed first we echo its code (§5.5.1) and close the
    /// transport first (§7.1.1).
    public mutating func receivedClose(_ code: CloseCode?, now: UInt64) -> Action {
        switch phase {
        case .closing:
            closesAfterFlush = true
            return .closeAfterFlush(deadline: nil)
        case .webSocket:
            closeCode = code
            closesAfterFlush = true
            phase = .closing
            closeDeadline = now &+ timeouts.close
            return .sendClose(code, reason: "", closeAfterFlush: true, deadline: closeDeadline)
        case .connecting, .httpRequest, .closed:
            return .none
        }
    }

    /// The peer broke the protocol: fail the connection (§7.1.7), saying why,
    /// and drop it once that is written, without waiting for an answer. This
    /// holds while closing too: the reason goes out after our earlier close.
    public mutating func failed(_ code: CloseCode, reason: String, now: UInt64) -> Action {
        guard phase == .webSocket || phase == .closing else { return .none }
        closeCode = code
        closesAfterFlush = true
        phase = .closing
        closeDeadline = now &+ timeouts.close
        return .sendClose(code, reason: reason, closeAfterFlush: true, deadline: closeDeadline)
    }

    /// The peer ended the transport (TLS close_notify): it will send nothing
    /// more. After the upgrade, what is queued still goes out first.
    public mutating func transportEnded() -> Action {
        switch phase {
        case .webSocket, .closing:
            closesAfterFlush = true
            return .closeAfterFlush(deadline: nil)
        case .connecting, .httpRequest:
            return .drop(.transportEnded)
        case .closed:
            return .none
        }
    }

    /// The socket is gone; nothing more happens.
    public mutating func dropped() {
        phase = .closed
    }
}
