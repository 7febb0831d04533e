import NetCore

/// Dead-connection detection: a reply that never comes, or, on an idle
/// connection, a PING that never comes back.
extension RedisConnection {
    /// One timer watches the oldest pending command. It is armed when the
    /// queue goes from empty to busy and re-armed for the new oldest when it
    /// fires early, so a pipeline of many commands costs one timer, not many.
    func armReplyTimer() {
        guard replyTimer == nil, let oldest = pending.first else { return }
        let deadline = oldest.queuedAt &+ options.replyTimeout.nanoseconds
        let now = MonotonicClock.now()
        let generation = generation
        replyTimer = loop.schedule(afterNanoseconds: deadline > now ? deadline - now : 0) { [weak self] in
            guard let self, self.generation == generation else { return }
            self.replyTimer = nil
            self.checkReplyDeadline()
        }
    }

    private func checkReplyDeadline() {
        guard let oldest = pending.first else { return }
        if MonotonicClock.now() &- oldest.queuedAt >= options.replyTimeout.nanoseconds {
            connectionLost("no reply within \(options.replyTimeout) s (\(pending.count) commands waiting)")
        } else {
            armReplyTimer()
        }
    }

    /// While ready and idle, a PING every `healthCheckInterval`: its reply
    /// timeout is what notices a subscriber whose server vanished without a
    /// FIN (a pulled cable, a paused VM).
    func armHealthCheck() {
        guard let interval = options.healthCheckInterval, phase == .ready else { return }
        let generation = generation
        healthTimer = loop.schedule(afterNanoseconds: interval.nanoseconds) { [weak self] in
            guard let self, self.generation == generation, self.phase == .ready else { return }
            self.healthTimer = nil
            if self.pending.isEmpty { self.enqueue([Array("PING".utf8)], .reply { _ in }) }
            self.armHealthCheck()
        }
    }
}
