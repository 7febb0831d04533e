import Foundation
import NetCore
import WebSocket

extension StreamConnection {
    /// The I/O thread: sessions one after another, with backoff in between.
    func run() {
        let endpoint: StreamEndpoint
        do {
            endpoint = try StreamEndpoint(url: configuration.url)
        } catch {
            return finish(reason: "bad url: \(error)")
        }
        var backoff = Backoff(policy: configuration.backoff)
        var tracker = SequenceTracker()
        while true {
            if isStopRequested { return finish(reason: "stopped by the application") }
            let (end, stableSeconds) = runSession(endpoint, tracker: &tracker)
            if isStopRequested { return finish(reason: "stopped by the application") }
            backoff.connectionEnded(afterStableSeconds: stableSeconds)
            switch end.decision {
            case .stop(let reason):
                emit(.disconnected(reason: reason, willRetryIn: nil))
                return finish(reason: reason)
            case .retry(let reason, let atLeast):
                let delay = max(backoff.nextDelay(), atLeast ?? 0)
                emit(.disconnected(reason: reason, willRetryIn: delay))
                sleepUnlessStopped(seconds: delay)
            }
        }
    }

    private func sleepUnlessStopped(seconds: Double) {
        let deadline = Self.now() + seconds
        while !isStopRequested {
            let left = deadline - Self.now()
            if left <= 0 { return }
            if Poller.wait(fd: -1, wakeFD: wakeFD, timeout: left) == .woken { drainWakeups() }
        }
    }

    static func now() -> Double { Double(MonotonicClock.now()) / 1e9 }

    /// One connection from TCP connect to its end; returns how it ended and
    /// how long it was up after the welcome.
    private func runSession(_ endpoint: StreamEndpoint, tracker: inout SequenceTracker) -> (SessionEnd, Double) {
        let socket: ClientWebSocket
        do {
            socket = try ClientWebSocket(endpoint: endpoint, token: configuration.token, caPath: configuration.caPath,
                                         timeout: configuration.connectTimeout, maxMessageBytes: configuration.maxMessageBytes,
                                         offerCompression: configuration.offerCompression, registerFD: { setPendingFD($0) })
        } catch let refusal as ClientWebSocket.Refusal {
            setSocket(nil, connected: false)
            return (.refused(status: refusal.status, error: refusal.error, message: refusal.message,
                             retryAfter: refusal.retryAfter), 0)
        } catch {
            setSocket(nil, connected: false)
            return (.failed("cannot connect to \(endpoint.authority): \(error)"), 0)
        }
        setSocket(socket, connected: false)
        var session = SessionState(heartbeat: configuration.heartbeatInterval, connectDeadline: Self.now() + configuration.connectTimeout,
                                   now: MonotonicClock.now())
        let end = pump(socket, &session, &tracker)
        setSocket(nil, connected: false)
        return (end, session.connectedAt.map { Self.now() - $0 } ?? 0)
    }

    struct SessionState {
        let heartbeat: Double
        let connectDeadline: Double
        /// Heartbeat and close handshake; monotonic nanoseconds. A ping
        /// unanswered for one interval ends the session (any bytes answer it),
        /// and after our close the server gets `closeReplySeconds` to answer.
        var lifecycle: ConnectionLifecycle
        var connectedAt: Double?
        var pingCount = 0
        var subscribeID: String?

        init(heartbeat: Double, connectDeadline: Double, now: UInt64) {
            self.heartbeat = heartbeat
            self.connectDeadline = connectDeadline
            let interval = UInt64(max(0, heartbeat) * 1e9)
            let timeouts = ConnectionLifecycle.Timeouts(request: .max, heartbeat: interval, silence: interval,
                                                        close: UInt64(StreamConnection.closeReplySeconds * 1e9))
            lifecycle = ConnectionLifecycle(now: now, timeouts: timeouts, phase: .webSocket)
        }
    }

    /// How long the server gets to answer our close frame.
    static let closeReplySeconds = 1.0

    /// Reads and reacts until the session ends.
    private func pump(_ socket: ClientWebSocket, _ session: inout SessionState, _ tracker: inout SequenceTracker) -> SessionEnd {
        var pending = socket.bufferedEvents()
        while true {
            for event in pending {
                if let end = handle(event, socket, &session, &tracker) { return end }
            }
            pending = []
            if isStopRequested {
                let action = session.lifecycle.close(.normal, reason: "client stopping", now: MonotonicClock.now())
                if case .sendClose(let code, let reason, _, _) = action {
                    socket.sendClose(code: code, reason: reason)
                    awaitCloseReply(socket, &session.lifecycle)
                }
                return .failed("stopped")
            }
            let now = Self.now()
            let timeout: Double
            if session.connectedAt == nil {
                if now >= session.connectDeadline { return .failed("no welcome within \(configuration.connectTimeout) s") }
                timeout = session.connectDeadline - now
            } else {
                let clock = MonotonicClock.now()
                switch session.lifecycle.tick(now: clock) {
                case .drop:
                    return .failed("heartbeat: nothing received for \(session.heartbeat) s after a ping")
                case .sendPing:
                    session.pingCount += 1
                    do {
                        try socket.sendText(#"{"type":"ping","id":"hb-\#(session.pingCount)"}"#)
                    } catch {
                        return .failed("send failed: \(error)")
                    }
                case .none, .sendClose, .closeAfterFlush:
                    break
                }
                let deadline = session.lifecycle.heartbeatDeadline
                timeout = deadline > clock ? Double(deadline - clock) / 1e9 : 0
            }
            switch Poller.wait(fd: socket.fd, wakeFD: wakeFD, timeout: timeout) {
            case .timeout: continue
            case .woken: drainWakeups()
            case .readable:
                do {
                    let (events, open) = try socket.readEvents()
                    session.lifecycle.received(now: MonotonicClock.now())  // any bytes answer the heartbeat
                    pending = events
                    if !open && events.isEmpty { return .failed("the server ended TLS without a close frame") }
                } catch {
                    return .failed("connection lost: \(error)")
                }
            }
        }
    }

    /// After our close, the server answers with its own and closes TCP; wait
    /// for that. The close timeout counts from when the (blocking) send of
    /// our close frame returned, not from when the lifecycle queued it.
    private func awaitCloseReply(_ socket: ClientWebSocket, _ lifecycle: inout ConnectionLifecycle) {
        let deadline = MonotonicClock.now() &+ lifecycle.timeouts.close
        while true {
            let now = MonotonicClock.now()
            guard now < deadline else { return }
            guard Poller.wait(fd: socket.fd, wakeFD: -1, timeout: Double(deadline - now) / 1e9) == .readable,
                  let (events, open) = try? socket.readEvents() else { return }
            for case .close(let code, _) in events { _ = lifecycle.receivedClose(code, now: MonotonicClock.now()) }
            if !open || lifecycle.closesAfterFlush { return }
        }
    }

    /// Reacts to one WebSocket event; a non-nil result ends the session.
    private func handle(_ event: WebSocketEvent, _ socket: ClientWebSocket, _ session: inout SessionState,
                        _ tracker: inout SequenceTracker) -> SessionEnd? {
        switch event {
        case .text(let bytes):
            guard let message = StreamMessage(json: String(decoding: bytes, as: UTF8.self)) else { return nil }
            return handle(message, socket, &session, &tracker)
        case .ping(let payload):
            if session.lifecycle.answersPings { try? socket.send(.pong, payload) }
            return nil
        case .pong, .binary:
            return nil
        case .close(let code, let reason):
            // Echo the code (an empty close gets an empty one), then let TCP go.
            perform(session.lifecycle.receivedClose(code, now: MonotonicClock.now()), socket)
            return .closed(code: code?.rawValue, reason: reason)
        case .failure(let code, let reason):
            perform(session.lifecycle.failed(code, reason: reason, now: MonotonicClock.now()), socket)
            return .failed("protocol error from the server (\(code.rawValue) \(reason))")
        }
    }

    /// The client's side of a close action: the send blocks until the frame is
    /// written, and the session ends right after, so the deadline has nothing to guard.
    private func perform(_ action: ConnectionLifecycle.Action, _ socket: ClientWebSocket) {
        if case .sendClose(let code, let reason, _, _) = action { socket.sendClose(code: code, reason: reason) }
    }

    private func handle(_ message: StreamMessage, _ socket: ClientWebSocket, _ session: inout SessionState,
                        _ tracker: inout SequenceTracker) -> SessionEnd? {
        if session.connectedAt == nil {
            guard message.type == "welcome" else { return .failed("expected welcome, got \(message.type)") }
            let data = message.data
            let welcome = StreamWelcome(session: data["session"] as? String ?? "", subject: data["subject"] as? String ?? "",
                                        expiresAt: data["expires_at"] as? String,
                                        heartbeatSeconds: (data["heartbeat_s"] as? NSNumber)?.doubleValue,
                                        channels: data["channels"] as? [String] ?? [], compression: socket.compression)
            session.connectedAt = Self.now()
            session.lifecycle.startHeartbeat(now: MonotonicClock.now())
            setSocket(socket, connected: true, welcome: welcome)
            emit(.connected(welcome))
            return subscribe(socket, &session, &tracker)
        }
        switch message.type {
        case "pong" where message.id?.hasPrefix(#""hb-"#) == true:
            return nil
        case "subscribed" where message.id != nil && message.id == session.subscribeID:
            let data = message.data
            let denied = (data["denied"] as? [[String: Any]] ?? []).map {
                SubscriptionResult.Denial(channel: $0["channel"] as? String ?? "", reason: $0["reason"] as? String ?? "")
            }
            emit(.subscribed(SubscriptionResult(granted: data["channels"] as? [String] ?? [], denied: denied)))
        case "recovery_failed":
            guard let failure = RecoveryFailure(message) else { return nil }
            let change = tracker.recoveryFailed(failure)
            emit(.recoveryFailed(failure))
            if let change { emit(.epochChanged(change)) }
        default:
            guard let channel = message.channel, let seq = message.seq else {
                emit(.reply(message))
                return nil
            }
            switch tracker.accept(channel: channel, seq: seq, epoch: message.epoch, timestamp: message.timestamp) {
            case .deliver:
                emit(.message(message))
            case .deliverInNewEpoch(let change):
                emit(.epochChanged(change))
                emit(.message(message))
            case .duplicate:
                break
            }
        }
        return nil
    }

    /// Subscribes to the configured channels, asking for what was missed:
    /// from each exact channel's position, and for each pattern from its
    /// channels' positions and the time of the last message it delivered.
    private func subscribe(_ socket: ClientWebSocket, _ session: inout SessionState, _ tracker: inout SequenceTracker) -> SessionEnd? {
        let channels = configuration.channels
        guard !channels.isEmpty else { return nil }
        let since = tracker.since(for: channels)
        tracker.connectionStarted(since: since)
        let id = "sub-\(makeRequestID())"
        session.subscribeID = "\"\(id)\""
        do {
            try socket.sendText(SubscribeRequest.json(id: id, channels: channels, since: since))
            return nil
        } catch {
            return .failed("subscribe failed: \(error)")
        }
    }
}
