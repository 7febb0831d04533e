import Broadcast
import TextFormat

extension LoopContext {
    /// Runs on this loop: a notice (already framed) to every session reading
    /// `channel`, sent whole whatever the channel's delivery policy.
    func announce(_ frame: [UInt8], to channel: String) {
        subscriptions.forEachSubscriber(of: channel) { connection in
            guard connection.phase == .webSocket else { return }
            connection.enqueue(frame)
        }
    }
}
