import Audit
import Base
import Broadcast
import Metrics
import NetCore
import Policy
import Synchronization
import WebSocket

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
        if compressionWindowBits != nil { state.compressedSessions.subtract(1, ordering: .relaxed) }
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
    /// `kind` and `policy` are the message's, resolved once by the loop.
    /// Returns whether the frame was queued; the loop counts queued frames
    /// once per message (the rarer outcomes are counted here).
    func deliver(_ message: StreamMessage, kind: ChannelKind, policy: DeliveryPolicy) -> Bool {
        guard phase == .webSocket, let session else { return false }
        // Defence in depth: a private channel reaches only a session its
        // entitlements allow, whatever the index holds.
        if kind.isPrivate {
            guard session.entitlements.maySubscribe(message.channel) else { return false }
        }
        if message.expiresAtMilliseconds != nil, message.isExpired(atMilliseconds: WallClock.nowMilliseconds()) { return false }
        if !session.watermarks.isEmpty, let seen = session.watermarks[message.channel] {
            if seen.epoch != message.epoch {
                session.watermarks[message.channel] = nil  // a new numbering: nothing of it was seen
            } else if message.seq <= seen.seq {
                return false
            } else if seen.seq != .max {
                // Live has passed what a replay or snapshot sent; later
                // messages are later still, so the mark is done with.
                session.watermarks[message.channel] = nil
            }
        }
        switch enqueue(message, policy: policy) {
        case .queued:
            session.messagesOut += 1
            session.bytesOut += message.frame.count
            return true
        case .conflated:
            context.metrics.conflated.increment(shard: context.shard)
        case .dropped:
            context.metrics.dropped.increment(shard: context.shard)
        case .overflow:
            context.metrics.slowConsumerCloses.increment(shard: context.shard)
            slowConsumer(session)
        }
        return false
    }

    /// A reliable message did not fit: the client is too far behind to be
    /// kept whole. It reconnects and recovers with `since`.
    func slowConsumer(_ session: Session) {
        guard phase == .webSocket else { return }
        audit("slow_consumer", "closed", reason: "queue_full", details: [("queued_bytes", .int(Int64(outboundBytes)))])
        // The backlog is what the client will recover with `since`: dropped
        // here, so the close frame follows what is already on its way instead
        // of waiting behind megabytes a slow reader may not drain within
        // close_timeout_s (it would then see the TCP close and no 4008).
        dropQueuedStreamMessages()
        session.replays.removeAll()
        close(.slowConsumer, reason: "too far behind; reconnect and recover with since")
    }

}
