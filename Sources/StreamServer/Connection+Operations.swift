import Audit
import Auth
import Base
import Broadcast
import Metrics
import NetCore
import Policy
import TextFormat
import WebSocket

/// Client operations (contract section 3): each answered, each audited where
/// it is an access decision, none able to take the session down by accident.
extension Connection {
    func sendWelcome() {
        guard let session else { return }
        let channels = session.entitlements.subscribeDescriptions.map(JSONStringEscaper.quoted).joined(separator: ",")
        let expires = RFC3339.format(milliseconds: session.expiresAt * 1000)
        let data = #"{"session":"\#(sessionID)","subject":\#(JSONStringEscaper.quoted(session.subject)),"expires_at":"\#(expires)","heartbeat_s":\#(Int(state.limits.heartbeatInterval.rounded())),"channels":[\#(channels)]}"#
        sendText(ServerMessage.envelope(type: "welcome", id: nil, data: data))
    }

    func handleClientMessage(_ payload: [UInt8]) {
        guard let session else { return }
        session.messagesIn += 1
        session.bytesIn += payload.count
        context.metrics.messagesIn.increment(shard: context.shard)
        context.metrics.bytesIn.increment(shard: context.shard, by: payload.count)
        guard admitMessage(session, payload) else { return }
        // Producers' publishes skip building objects; anything unusual takes the general path.
        if let skim = PublishSkim.skim(payload), skim.type == "publish", let item = publishItem(skim, payload) {
            return publish(item, id: skim.id, session)
        }

        let request: ClientRequest
        switch ClientRequest.parse(payload) {
        case .success(let parsed): request = parsed
        case .failure(let problem):
            return sendError(id: problem.id, code: "bad_request", problem.message)
        }
        switch request.type {
        case "ping": sendText(ServerMessage.envelope(type: "pong", id: request.id, data: "{}"))
        case "subscribe": subscribe(request, session)
        case "unsubscribe": unsubscribe(request, session)
        case "publish": publish(request, session)
        case "refresh": refresh(request, session)
        default:
            sendError(id: request.id, code: "unknown_type",
                      "unknown message type \(JSONStringEscaper.quoted(request.type)); expected subscribe, unsubscribe, publish, refresh or ping")
        }
    }

    func sendError(id: String?, code: String, _ message: String) {
        sendText(ServerMessage.error(id: id, code: code, message: message))
    }

    /// Token bucket per session: over the limit an `error`, and after
    /// `rate_limit_strikes` refusals in a row, close 4029.
    private func admitMessage(_ session: Session, _ payload: [UInt8]) -> Bool {
        if session.bucket.take(now: MonotonicClock.now()) {
            session.strikes = 0
            return true
        }
        session.strikes += 1
        if session.strikes == 1 || session.strikes >= state.limits.rateLimitStrikes {
            audit("rate_limited", session.strikes >= state.limits.rateLimitStrikes ? "closed" : "refused",
                  reason: "rate_limited", details: [("strikes", .int(Int64(session.strikes)))])
        }
        if session.strikes >= state.limits.rateLimitStrikes {
            close(.rateLimited, reason: "rate limit exceeded repeatedly")
        } else {
            let rate = session.entitlements.rateLimit
            // The refused request's id, when one pass can read it, so a client
            // with several requests in flight knows which one was refused.
            sendError(id: PublishSkim.skim(payload)?.id, code: "rate_limited",
                      "over \(rate.messagesPerSecond) messages/s (burst \(rate.burst)); slow down or the session is closed with 4029")
        }
        return false
    }

    // MARK: subscribe / unsubscribe

    /// The `channels` array of a request, or the reason the whole operation is refused.
    struct RequestError: Error { let message: String }

    private func channelList(_ request: ClientRequest) -> Result<[String], RequestError> {
        guard let list = request.object["channels"]?.arrayValue, !list.isEmpty else {
            return .failure(RequestError(message: "\"channels\" must be a non-empty array of channel names"))
        }
        guard list.count <= state.limits.maxChannelsPerRequest else {
            return .failure(RequestError(message: "at most \(state.limits.maxChannelsPerRequest) channels per request (got \(list.count))"))
        }
        var channels: [String] = []
        for item in list {
            guard let name = item.stringValue else { return .failure(RequestError(message: "every channel must be a string")) }
            if let problem = ChannelRules.requestProblem(with: name, maxBytes: state.limits.maxChannelNameBytes) {
                return .failure(RequestError(message: problem))
            }
            channels.append(name)
        }
        return .success(channels)
    }

    private func subscribe(_ request: ClientRequest, _ session: Session) {
        let channels: [String]
        switch channelList(request) {
        case .success(let list): channels = list
        case .failure(let problem): return sendError(id: request.id, code: "bad_request", problem.message)
        }
        let since: SinceRequest
        switch parseSince(request.object["since"]) {
        case .success(let parsed): since = parsed
        case .failure(let problem): return sendError(id: request.id, code: "bad_request", problem.message)
        }
        var granted: [String] = []
        var denied: [(String, String)] = []
        for channel in channels {
            if ChannelRules.problem(with: channel, maxBytes: state.limits.maxChannelNameBytes, allowWildcard: true) != nil {
                denied.append((channel, "invalid_channel"))
            } else if session.entitlements.maySubscribe(channel) {
                granted.append(channel)
            } else {
                denied.append((channel, "forbidden"))
            }
        }
        for channel in granted where session.subscriptions.insert(channel).inserted {
            context.subscriptions.add(.init(channel), self)
        }
        for channel in granted { auditSubscription(channel, outcome: "granted", reason: nil, session) }
        for (channel, reason) in denied { auditSubscription(channel, outcome: "denied", reason: reason, session) }

        let grantedJSON = granted.map(JSONStringEscaper.quoted).joined(separator: ",")
        let deniedJSON = denied.map { #"{"channel":\#(JSONStringEscaper.quoted($0.0)),"reason":"\#($0.1)"}"# }.joined(separator: ",")
        sendText(ServerMessage.envelope(type: "subscribed", id: request.id,
                                        data: #"{"channels":[\#(grantedJSON)],"denied":[\#(deniedJSON)]}"#))
        // Then what the client missed (`since`, replayed paced by its socket)
        // or, for ticks, the latest price of each matching symbol; live
        // messages already on their way are skipped up to what was sent here.
        startRecovery(recoveryStarts(for: granted, since), session)
        for channel in granted where channel.hasPrefix("tick:") && since.exact[channel] == nil && since.wildcard[channel] == nil {
            for message in context.broadcaster.latestTicks(matching: channel) { sendSnapshot(message, session) }
        }
        for channel in since.keys where !granted.contains(channel) && !denied.contains(where: { $0.0 == channel }) {
            let position = since.exact[channel]
            let current = context.broadcaster.position(of: channel)
            sendText(RecoveryNotice(channel: channel, reason: "not_subscribed", since: position?.seq, sinceEpoch: position?.epoch,
                                    epoch: current?.epoch, lastSeq: current?.lastSeq ?? 0, replayFrom: nil).envelope)
        }
    }

    private func sendSnapshot(_ message: StreamMessage, _ session: Session) {
        if let seen = session.watermarks[message.channel], seen.epoch == message.epoch, message.seq <= seen.seq { return }
        session.watermarks[message.channel] = Watermark(epoch: message.epoch, seq: message.seq)
        // A snapshot answers this client's request: never conflated or dropped.
        enqueue(message.frame)
        session.messagesOut += 1
        session.bytesOut += message.frame.count
    }

    func auditSubscription(_ channel: String, outcome: String, reason: String?, _ session: Session) {
        audit("subscribe", outcome, reason: reason, details: [("channel", .string(channel))])
    }

    private func unsubscribe(_ request: ClientRequest, _ session: Session) {
        let channels: [String]
        switch channelList(request) {
        case .success(let list): channels = list
        case .failure(let problem): return sendError(id: request.id, code: "bad_request", problem.message)
        }
        var removed: [String] = []
        for channel in channels where session.subscriptions.remove(channel) != nil {
            context.subscriptions.remove(.init(channel), self)
            removed.append(channel)
        }
        dropUncoveredReplays(session)
        let list = removed.map(JSONStringEscaper.quoted).joined(separator: ",")
        sendText(ServerMessage.envelope(type: "unsubscribed", id: request.id, data: #"{"channels":[\#(list)]}"#))
    }

    // MARK: publish

    private func publish(_ request: ClientRequest, _ session: Session) {
        let item: PublishItem
        switch publishItem(request.object, typeKey: "event") {
        case .success(let parsed): item = parsed
        case .failure(let problem): return sendError(id: request.id, code: "bad_request", "publish \(problem.message)")
        }
        publish(item, id: request.id, session)
    }

    /// A checked publish item, whichever path parsed it: policy, then the broadcaster.
    func publish(_ item: PublishItem, id: String?, _ session: Session) {
        guard session.entitlements.mayPublish(item.channel) else {
            auditPublish(item.channel, outcome: "denied", reason: "forbidden", session)
            return sendError(id: id, code: "forbidden", "you may not publish on \(item.channel)")
        }
        let channel = item.channel
        let connection = UncheckedBox(self)
        context.broadcaster.publish(channel: channel, dataJSON: item.dataJSON, expiresAtMilliseconds: item.expiresAtMilliseconds,
                                    idempotencyKey: item.idempotencyKey) { result in
            connection.value.onOwnLoop { $0.answerPublish(result, id: id, channel: channel) }
        }
    }

    private func answerPublish(_ result: Result<PublishReceipt, PublishError>, id: String?, channel: String) {
        guard phase == .webSocket, let session else { return }
        switch result {
        case .success(let receipt):
            // One audit line per (session, channel) on first use; counts are in the disconnect line.
            if session.publishedChannels.insert(channel).inserted {
                auditPublish(channel, outcome: "allowed", reason: nil, session)
            }
            sendText(ServerMessage.envelope(type: "ack", id: id, data: receipt.json))
        case .failure(let error):
            sendError(id: id, code: error.code == "storage_error" ? "unavailable" : error.code, error.description)
        }
    }

    private func auditPublish(_ channel: String, outcome: String, reason: String?, _ session: Session) {
        audit("publish", outcome, reason: reason, details: [("channel", .string(channel))])
    }
}
