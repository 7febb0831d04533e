import Metrics
import NetCore
import WebSocket

/// RFC 6455 after the upgrade: frames in, frames out, heartbeat, close handshake.
extension Connection {
    func processFrames() {
        while phase == .webSocket || phase == .closing, let event = reader?.nextEvent() {
            switch event {
            case .text(let payload):
                if phase == .webSocket { handleClientMessage(payload) }
            case .binary:
                if phase == .webSocket { close(.unsupportedData, reason: "binary frames are not part of the protocol; send JSON text") }
            case .ping(let payload):
                if phase == .webSocket { enqueue(FrameEncoder.frame(opcode: .pong, payload: payload)) }
            case .pong:
                break  // any bytes already count as liveness (lastReceivedAt)
            case .close(let code, _):
                if phase == .closing {
                    // The answer to our close: the handshake is complete.
                    closeAfterFlush = true
                } else {
                    // Echo the peer's code (RFC 6455 §5.5.1), then close the TCP side first (§7.1.1).
                    closeCode = code
                    enqueue(FrameEncoder.closeFrame(code: code))
                    closeAfterFlush = true
                    phase = .closing
                    closeDeadline = MonotonicClock.now() &+ state.closeTimeoutNS
                }
            case .failure(let code, let reason):
                // Fail the connection (§7.1.7): say why, then drop it without waiting.
                if reader?.failedInflating == true { context.metrics.inflateFailures.increment(shard: context.shard) }
                state.logger.debug("protocol violation", [
                    "session": .string(sessionID), "code": .int(Int(code.rawValue)), "reason": .string(reason),
                ])
                closeCode = code
                enqueue(FrameEncoder.closeFrame(code: code, reason: reason))
                closeAfterFlush = true
                phase = .closing
                closeDeadline = MonotonicClock.now() &+ state.closeTimeoutNS
            }
        }
        reader?.releaseIdleMemory()
    }

    /// Starts the close handshake from our side; the peer's close frame (or the
    /// close timeout) ends the connection.
    func close(_ code: CloseCode, reason: String) {
        guard phase == .webSocket else { return }
        context.metrics.closes(code.rawValue).increment(shard: context.shard)
        closeCode = code
        enqueue(FrameEncoder.closeFrame(code: code, reason: reason))
        phase = .closing
        closeDeadline = MonotonicClock.now() &+ state.closeTimeoutNS
    }

    /// Pings every interval. A connection is dropped only when a ping has gone
    /// unanswered for a full interval and nothing at all arrived for two.
    func sweepHeartbeat(now: UInt64) {
        let interval = state.heartbeatIntervalNS
        if let since = unansweredPingSince {
            if lastReceivedAt >= since {
                unansweredPingSince = nil
            } else if now &- since >= interval, now &- lastReceivedAt >= 2 &* interval {
                state.logger.debug("no traffic for two heartbeat intervals", ["session": .string(sessionID)])
                terminate(reason: "heartbeat timeout")
                return
            }
        }
        if now >= nextPingAt {
            enqueue(FrameEncoder.frame(opcode: .ping, payload: []))
            if unansweredPingSince == nil { unansweredPingSince = now }
            nextPingAt = now &+ interval
        }
    }

    func sendText(_ json: String) {
        enqueue(FrameEncoder.frame(opcode: .text, payload: Array(json.utf8)))
    }
}
