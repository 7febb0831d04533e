import Broadcast
import WebSocket

extension LoopContext {
    /// Runs on this loop: a notice (already framed) to every session reading
    /// `channel`, sent whole whatever the channel's delivery policy. When
    /// `numberingEnded`, the channel's numbering started over: what a
    /// session remembered of the old one (watermark, replay) is dropped.
    func announce(_ frame: [UInt8], to channel: String, numberingEnded: Bool) {
        subscriptions.forEachSubscriber(of: channel) { connection in
            guard connection.phase == .webSocket else { return }
            if numberingEnded, let session = connection.session {
                session.watermarks[channel] = nil
                session.replays.removeAll { $0.channel == channel }
            }
            connection.enqueue(frame)
        }
    }
}
