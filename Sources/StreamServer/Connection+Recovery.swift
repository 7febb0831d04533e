import Audit
import Base
import Broadcast
import Metrics
import NetCore
import Policy
import TextFormat
import WebSocket

/// `since` in `subscribe`: what the client asks to recover, how much of it
/// the server gives (the per-request bound), and the paced replay that
/// sends it. Replay fills the session's queue to half of
/// `limits.max_outbound_bytes` and goes on only as the socket drains, so a
/// replay of any length never sits in memory whole and never trips 4008 on
/// its own.
extension Connection {
    /// What one `subscribe` asks to recover.
    struct SinceRequest {
        var exact: [String: SincePosition] = [:]
        var wildcard: [String: (after: Int64, seqs: [String: SincePosition])] = [:]
        var keys: [String] { (Array(exact.keys) + Array(wildcard.keys)).sorted() }
    }

    static let replayBatchMessages = 256
    /// Steps one replay takes before it yields the loop to other work.
    static let replayStepsPerTurn = 8

    var replayBudgetBytes: Int { state.limits.maxOutboundBytes / 2 }

    func parseSince(_ raw: JSONValue?) -> Result<SinceRequest, RequestError> {
        var request = SinceRequest()
        guard let raw else { return .success(request) }
        guard let object = raw.objectValue else {
            return .failure(RequestError(message: "\"since\" must be an object: channel → {\"seq\":N,\"epoch\":\"E\"}, or pattern* → {\"after\":\"<timestamp>\",\"seqs\":{...}}"))
        }
        for (key, value) in object {
            if key.hasSuffix("*") {
                guard let entry = value.objectValue, let afterText = entry["after"]?.stringValue,
                      let after = AuditQuery.parseTime(afterText) else {
                    return .failure(RequestError(message: "since[\(key)] must be {\"after\":\"<RFC 3339 timestamp>\",\"seqs\":{channel: {\"seq\":N,\"epoch\":\"E\"}}}"))
                }
                var seqs: [String: SincePosition] = [:]
                if let listed = entry["seqs"] {
                    guard let listed = listed.objectValue else {
                        return .failure(RequestError(message: "since[\(key)].seqs must be an object of channel → {\"seq\":N,\"epoch\":\"E\"}"))
                    }
                    let prefix = key.dropLast()
                    for (channel, position) in listed {
                        guard channel.hasPrefix(prefix), !channel.hasSuffix("*") else {
                            return .failure(RequestError(message: "since[\(key)].seqs: \(channel) is not a channel the pattern matches"))
                        }
                        guard let parsed = Connection.sincePosition(position) else {
                            return .failure(RequestError(message: "since[\(key)].seqs[\(channel)] must be {\"seq\":N,\"epoch\":\"E\"}"))
                        }
                        seqs[channel] = parsed
                    }
                }
                guard seqs.count <= state.limits.maxRecoveryChannels else {
                    return .failure(RequestError(message: "since[\(key)].seqs lists more than limits.max_recovery_channels (\(state.limits.maxRecoveryChannels)) channels"))
                }
                request.wildcard[key] = (after, seqs)
            } else {
                guard let parsed = Connection.sincePosition(value) else {
                    return .failure(RequestError(message: "since[\(key)] must be {\"seq\":N,\"epoch\":\"E\"} (or a bare non-negative integer seq, which assumes the current epoch)"))
                }
                request.exact[key] = parsed
            }
        }
        return .success(request)
    }

    /// `N` (legacy) or `{"seq": N, "epoch": "E"}`.
    private static func sincePosition(_ value: JSONValue) -> SincePosition? {
        if let seq = nonNegativeInteger(value) { return SincePosition(seq: seq, epoch: nil) }
        guard let object = value.objectValue, object.count == 2, let raw = object["seq"], let seq = nonNegativeInteger(raw),
              let epoch = object["epoch"]?.stringValue, Epoch.isWellFormed(epoch) else { return nil }
        return SincePosition(seq: seq, epoch: epoch)
    }

    private static func nonNegativeInteger(_ value: JSONValue) -> UInt64? {
        ClientRequest.exactInteger(value).flatMap { $0 >= 0 ? UInt64($0) : nil }
    }

    /// The plans for every granted channel with a `since`, in request order.
    func recoveryStarts(for granted: [String], _ since: SinceRequest) -> [RecoveryStart] {
        var starts: [RecoveryStart] = []
        for channel in granted {
            if let position = since.exact[channel] {
                starts.append(context.broadcaster.recoveryStart(channel: channel, since: position))
            } else if let entry = since.wildcard[channel] {
                let (found, skipped) = context.broadcaster.recoveryStarts(pattern: channel, after: entry.after, seqs: entry.seqs,
                                                                           maxChannels: state.limits.maxRecoveryChannels)
                starts += found
                if !skipped.isEmpty {
                    var notice = RecoveryNotice(channel: channel, reason: "recovery_limit", since: nil, sinceEpoch: nil, epoch: nil,
                                                lastSeq: 0, replayFrom: nil)
                    notice.skippedChannels = skipped
                    starts.append(RecoveryStart(channel: channel, notice: notice, epoch: "", from: nil, seenThrough: 0))
                }
            }
        }
        return starts
    }

    /// Sends each plan's notice and queues its replay; the whole request
    /// replays at most `limits.max_recovery_messages`, the newest part of a
    /// channel when its share runs out.
    func startRecovery(_ starts: [RecoveryStart], _ session: Session) {
        var remaining = UInt64(state.limits.maxRecoveryMessages)
        for var start in starts {
            if start.from != nil, start.estimatedMessages > remaining {
                let from: UInt64? = remaining == 0 ? nil : start.seenThrough - remaining + 1
                // A notice the plan already had (epoch_changed, history_unavailable)
                // keeps its reason; either way `replay_from` says where the replay starts.
                let notice = RecoveryNotice(channel: start.channel, reason: start.notice?.reason ?? "recovery_limit",
                                            since: start.notice?.since ?? start.from.map { $0 - 1 },
                                            sinceEpoch: start.notice?.sinceEpoch ?? start.epoch, epoch: start.epoch,
                                            lastSeq: start.seenThrough, replayFrom: from)
                start = RecoveryStart(channel: start.channel, notice: notice, epoch: start.epoch, from: from, seenThrough: start.seenThrough)
            }
            remaining -= min(remaining, start.estimatedMessages)
            if let notice = start.notice { sendText(notice.envelope) }
            guard !start.epoch.isEmpty else { continue }
            if let from = start.from {
                session.replays.removeAll { $0.channel == start.channel }
                session.replays.append(ReplayJob(channel: start.channel, epoch: start.epoch, next: from))
                session.watermarks[start.channel] = Watermark(epoch: start.epoch, seq: .max)
            } else if let mark = session.watermarks[start.channel], mark.epoch == start.epoch, mark.seq >= start.seenThrough {
                continue
            } else {
                session.watermarks[start.channel] = Watermark(epoch: start.epoch, seq: start.seenThrough)
            }
        }
        if !session.replays.isEmpty { postReplayStep(session) }
    }

    func postReplayStep(_ session: Session) {
        guard !session.replayStepPosted else { return }
        session.replayStepPosted = true
        let connection = UncheckedBox(self)
        context.loop.execute { connection.value.stepReplay() }
    }

    /// Sends replayed messages while the queue is under the budget, a few
    /// steps per loop turn. Once a channel's replay has caught up (under
    /// the broadcaster's lock), its live messages flow again, exactly after it.
    private func stepReplay() {
        guard phase == .webSocket, let session else { return }
        session.replayStepPosted = false
        var steps = 0
        while let job = session.replays.first, outboundBytes < replayBudgetBytes, steps < Connection.replayStepsPerTurn {
            steps += 1
            switch context.broadcaster.replayStep(channel: job.channel, epoch: job.epoch, from: job.next,
                                                  maxCount: Connection.replayBatchMessages, maxBytes: replayBudgetBytes - outboundBytes) {
            case .messages(let messages, let next, let caughtUp, let last):
                // Defence in depth, as for live delivery: a private channel
                // reaches only a session its entitlements allow.
                if ChannelKind(channel: job.channel)?.isPrivate == true, !session.entitlements.maySubscribe(job.channel) {
                    session.replays.removeFirst()
                    continue
                }
                for message in messages {
                    guard sendReplayed(message, session) else { return }
                }
                if caughtUp {
                    session.replays.removeFirst()
                    session.watermarks[job.channel] = Watermark(epoch: job.epoch, seq: last)
                } else {
                    session.replays[0].next = next
                }
            case .hole(let notice, let resumeAt, let last):
                sendText(notice.envelope)
                if let resumeAt, resumeAt > job.next {
                    session.replays[0].next = resumeAt
                } else {
                    session.replays.removeFirst()
                    session.watermarks[job.channel] = Watermark(epoch: job.epoch, seq: last)
                }
            case .epochChanged:
                session.replays.removeFirst()
                session.watermarks[job.channel] = nil
            }
        }
        // Under the budget with more to send: go on next turn. Over it: the
        // flush that drains the queue posts the next step.
        if !session.replays.isEmpty && outboundBytes < replayBudgetBytes { postReplayStep(session) }
    }

    /// Replays (and replay watermarks) of channels no subscription of the
    /// session covers any more, or its entitlements no longer allow, end
    /// here: after an unsubscribe or a permission change.
    func dropUncoveredReplays(_ session: Session) {
        guard !session.replays.isEmpty else { return }
        session.replays.removeAll { job in
            let covered = session.entitlements.maySubscribe(job.channel) && session.subscriptions.contains { subscription in
                subscription.hasSuffix("*") ? job.channel.hasPrefix(subscription.dropLast()) : subscription == job.channel
            }
            if !covered { session.watermarks[job.channel] = nil }
            return !covered
        }
    }

    /// One replayed message, queued like a live one of a reliable channel.
    /// False when it did not fit and the session was closed (4008).
    private func sendReplayed(_ message: StreamMessage, _ session: Session) -> Bool {
        switch enqueue(message, policy: .reliable) {
        case .queued, .conflated:
            session.messagesOut += 1
            session.bytesOut += message.frame.count
            return true
        case .dropped, .overflow:
            context.metrics.slowConsumerCloses.increment(shard: context.shard)
            slowConsumer(session)
            return false
        }
    }
}
