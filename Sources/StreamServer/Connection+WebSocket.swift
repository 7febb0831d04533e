import Metrics
import NetCore
import WebSocket

/// RFC 6455 after the upgrade: frames in, frames out, heartbeat, close handshake.
extension Connection {
    func processFrames() {
        while phase == .webSocket || phase == .closing, let event = input.frames?.nextEvent() {
            switch event {
            case .text(let payload):
                if phase == .webSocket { handleClientMessage(payload) }
            case .binary:
                if phase == .webSocket { close(.unsupportedData, reason: "binary frames are not part of the protocol; send JSON text") }
            case .ping(let payload):
                if lifecycle.answersPings { enqueue(FrameEncoder.frame(opcode: .pong, payload: payload)) }
            case .pong:
                break  // any bytes already count as liveness (ConnectionLifecycle.received)
            case .close(let code, _):
                perform(updateLifecycle { $0.receivedClose(code, now: MonotonicClock.now()) })
            case .failure(let code, let reason):
                // Fail the connection (§7.1.7): say why, then drop it without waiting.
                if input.frames?.failedInflating == true { context.metrics.inflateFailures.increment(shard: context.shard) }
                state.logger.debug("protocol violation", [
                    "session": .string(sessionID), "code": .int(Int(code.rawValue)), "reason": .string(reason),
                ])
                perform(updateLifecycle { $0.failed(code, reason: reason, now: MonotonicClock.now()) })
            }
        }
        input.frames?.releaseIdleMemory()
    }

    /// Starts the close handshake from our side; the peer's close frame (or the
    /// close deadline) ends the connection.
    func close(_ code: CloseCode, reason: String) {
        let action = updateLifecycle { $0.close(code, reason: reason, now: MonotonicClock.now()) }
        guard action != .none else { return }
        context.metrics.closes(code.rawValue).increment(shard: context.shard)
        perform(action)
    }

    func sendText(_ json: String) {
        enqueue(FrameEncoder.frame(opcode: .text, payload: Array(json.utf8)))
    }
}
