import Broadcast

extension LoopContext {
    /// Runs on this loop: the message's frame goes to each matching session once.
    func deliver(_ message: StreamMessage) {
        subscriptions.forEachSubscriber(of: message.channel) { connection in
            connection.deliver(message)
        }
    }
}
