import Audit
import Broadcast
import NetCore

/// Stream messages into a session, and what a session leaves behind.
extension Connection {
    /// Releases what a session held and writes its disconnect line.
    func endSession(_ session: Session, reason: String) {
        for subscription in session.subscriptions {
            context.subscriptions.remove(.init(subscription), self)
        }
        state.access.releaseSession(for: session.subject)
        context.broadcaster.cluster?.releaseSession(subject: session.subject, member: sessionID)
        state.upgradedConnections.subtract(1, ordering: .relaxed)
        var details: [(String, AuditValue)] = [
            ("duration_ms", .int(WallClock.nowMilliseconds() - session.openedAtMilliseconds)),
            ("messages_in", .int(Int64(session.messagesIn))), ("bytes_in", .int(Int64(session.bytesIn))),
            ("messages_out", .int(Int64(session.messagesOut))), ("bytes_out", .int(Int64(session.bytesOut))),
        ]
        if let closeCode { details.append(("close_code", .int(Int64(closeCode.rawValue)))) }
        audit("disconnect", "closed", reason: reason, claims: session.claims, details: details)
        state.logger.debug("session closed", [
            "session": .string(sessionID), "remote": .string(remoteAddress), "reason": .string(reason),
        ])
    }

    /// A stream message for one of this session's subscriptions (on our loop).
    func deliver(_ message: StreamMessage) {
        guard phase == .webSocket, let session else { return }
        // Defence in depth: a private channel reaches only a session its
        // entitlements allow, whatever the index holds.
        let kind = message.kind ?? .order
        if kind.isPrivate {
            guard session.entitlements.maySubscribe(message.channel) else { return }
        }
        if message.expiresAtMilliseconds != nil, message.isExpired(atMilliseconds: WallClock.nowMilliseconds()) { return }
        if !session.watermarks.isEmpty, let seen = session.watermarks[message.channel], message.seq <= seen { return }
        let policy = context.broadcaster.deliveryPolicy(for: kind)
        let metrics = context.metrics!
        switch enqueue(message, policy: policy) {
        case .queued:
            session.messagesOut += 1
            session.bytesOut += message.frame.count
            metrics.messagesOutByKind[kind]?.increment(shard: context.shard)
            metrics.bytesOut.increment(shard: context.shard, by: message.frame.count)
        case .conflated:
            metrics.conflated.increment(shard: context.shard)
        case .dropped:
            metrics.dropped.increment(shard: context.shard)
        case .overflow:
            metrics.slowConsumerCloses.increment(shard: context.shard)
            slowConsumer(session)
        }
    }

    /// A reliable message did not fit: the client is too far behind to be
    /// kept whole. It reconnects and recovers with `since`.
    private func slowConsumer(_ session: Session) {
        guard phase == .webSocket else { return }
        audit("slow_consumer", "closed", reason: "queue_full", details: [("queued_bytes", .int(Int64(outboundBytes)))])
        close(.slowConsumer, reason: "too far behind; reconnect and recover with since")
    }

}
