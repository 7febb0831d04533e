import Base
import Broadcast
import NetCore
import TextFormat
import WebSocket

/// A client's position on a channel, as `since` gives it.
struct SincePosition: Equatable {
    let seq: UInt64
    /// nil: a bare integer (legacy), taken to be in the current epoch.
    let epoch: String?
}

/// A `recovery_failed` notice: what the client cannot have, and what follows.
struct RecoveryNotice: Equatable {
    let channel: String
    /// epoch_changed, history_unavailable, gap, not_subscribed, recovery_limit.
    let reason: String
    /// The client's position (nil: it gave a time, not a seq).
    let since: UInt64?
    let sinceEpoch: String?
    /// The channel's current epoch and last seq (nil / 0: no message yet).
    let epoch: String?
    let lastSeq: UInt64
    /// The seq from which messages follow this notice, nil when none do.
    let replayFrom: UInt64?
    /// Channels a wildcard recovery left out (`recovery_limit`).
    var skippedChannels: [String] = []

    var envelope: String {
        var data = JSONObjectWriter()
        data.string("channel", channel)
        data.string("reason", reason)
        if let since { data.raw("since", String(since)) } else { data.raw("since", "null") }
        if let sinceEpoch { data.string("since_epoch", sinceEpoch) }
        if let epoch { data.string("epoch", epoch) } else { data.raw("epoch", "null") }
        data.raw("last_seq", String(lastSeq))
        data.raw("replay_from", replayFrom.map(String.init) ?? "null")
        if !skippedChannels.isEmpty { data.raw("channels", "[" + skippedChannels.map(JSONStringEscaper.quoted).joined(separator: ",") + "]") }
        return ServerMessage.envelope(type: "recovery_failed", id: nil, data: data.json)
    }
}

/// How one channel's recovery starts: an optional notice, then either a
/// replay from `from` (paced by the session, see `ReplayCursor`), or
/// nothing, with the client counted as having seen through `seenThrough`.
struct RecoveryStart {
    let channel: String
    let notice: RecoveryNotice?
    let epoch: String
    let from: UInt64?
    let seenThrough: UInt64
    /// Messages the replay would send at most (for the per-request bound).
    var estimatedMessages: UInt64 { from.map { seenThrough >= $0 ? seenThrough - $0 + 1 : 0 } ?? 0 }
}

/// One step of a paced replay.
enum ReplayStep {
    /// Messages from the cursor on; `next` is where the cursor goes; when
    /// `caughtUp`, everything through `lastSeq` has been given.
    case messages([StreamMessage], next: UInt64, caughtUp: Bool, lastSeq: UInt64)
    /// Seqs from the cursor on are gone (trimmed or damaged): tell the
    /// client, then go on from `resumeAt` (nil: nothing more to give).
    case hole(RecoveryNotice, resumeAt: UInt64?, lastSeq: UInt64)
    /// The channel's numbering started over during the replay: the live
    /// path has told the client; the replay ends.
    case epochChanged
}

extension StreamMessage {
    /// A message as the durable log kept it.
    convenience init(record: DurableRecord, epoch: String) {
        self.init(channel: record.channel, type: record.type, seq: record.seq, epoch: epoch, timeMilliseconds: record.timeMilliseconds,
                  frame: FrameEncoder.frame(opcode: .text, payload: record.payload), expiresAtMilliseconds: record.expiresAtMilliseconds)
    }
}

extension Broadcaster {
    /// Where replay of `channel` could start: the oldest seq memory or the
    /// durable log still holds, and its time.
    private func oldestAvailable(_ channel: String, _ state: ChannelState, now: Int64) -> (seq: UInt64, timeMilliseconds: Int64)? {
        let memory = state.history.oldestReplayable(nowMilliseconds: now)
        guard state.history.lastSeq > 0 else { return nil }
        if let durable, ChannelKind(channel: channel)?.isPrivate == true, let disk = durable.oldest(of: channel, epoch: state.epoch),
           disk.seq < memory?.seq ?? .max {
            return disk
        }
        return memory
    }

    /// The plan for a client that last saw `since` on `channel`.
    func recoveryStart(channel: String, since: SincePosition) -> RecoveryStart {
        channels.withLock { table in recoveryStart(channel: channel, since: since, table: table) }
    }

    private func recoveryStart(channel: String, since: SincePosition, table: ChannelTable) -> RecoveryStart {
        let now = WallClock.nowMilliseconds()
        guard let state = table.states[channel] else {
            // No message in this numbering yet: a client that saw some saw another epoch.
            let notice = since.seq == 0 ? nil : RecoveryNotice(channel: channel, reason: "epoch_changed", since: since.seq,
                                                              sinceEpoch: since.epoch, epoch: nil, lastSeq: 0, replayFrom: nil)
            return RecoveryStart(channel: channel, notice: notice, epoch: "", from: nil, seenThrough: 0)
        }
        let last = state.history.lastSeq
        let sameEpoch = since.epoch == nil || since.epoch == state.epoch
        if sameEpoch && since.seq == last {
            return RecoveryStart(channel: channel, notice: nil, epoch: state.epoch, from: nil, seenThrough: last)
        }
        if sameEpoch && since.seq > last && cluster != nil && since.seq - last <= UInt64(settings.historyDepth) {
            // In a cluster, a client a little ahead of this instance saw
            // messages still on their way here; its watermark skips them.
            return RecoveryStart(channel: channel, notice: nil, epoch: state.epoch, from: nil, seenThrough: since.seq)
        }
        let oldest = oldestAvailable(channel, state, now: now)
        if !sameEpoch || since.seq > last {
            // Another numbering (or a client ahead of this one, which can only
            // have seen another): never replayed as if it went on.
            let from = oldest?.seq
            return RecoveryStart(channel: channel,
                                 notice: RecoveryNotice(channel: channel, reason: "epoch_changed", since: since.seq, sinceEpoch: since.epoch,
                                                        epoch: state.epoch, lastSeq: last, replayFrom: from),
                                 epoch: state.epoch, from: from, seenThrough: last)
        }
        if let oldest, oldest.seq <= since.seq + 1 {
            return RecoveryStart(channel: channel, notice: nil, epoch: state.epoch, from: since.seq + 1, seenThrough: last)
        }
        return RecoveryStart(channel: channel,
                             notice: RecoveryNotice(channel: channel, reason: "history_unavailable", since: since.seq, sinceEpoch: state.epoch,
                                                    epoch: state.epoch, lastSeq: last, replayFrom: oldest?.seq),
                             epoch: state.epoch, from: oldest?.seq, seenThrough: last)
    }

    /// The plans for a wildcard `since`: every channel `pattern` matches,
    /// listed ones after their position, the others from `after` on.
    /// Channels are taken in name order, at most `maxChannels`; the rest are
    /// returned in `skipped`.
    func recoveryStarts(pattern: String, after: Int64, seqs: [String: SincePosition],
                        maxChannels: Int) -> (starts: [RecoveryStart], skipped: [String]) {
        let prefix = String(pattern.dropLast())
        return channels.withLock { table in
            let now = WallClock.nowMilliseconds()
            var names = Set(table.states.keys.filter { $0.hasPrefix(prefix) })
            for channel in seqs.keys { names.insert(channel) }
            let ordered = names.sorted()
            var starts: [RecoveryStart] = []
            for channel in ordered.prefix(maxChannels) {
                if let position = seqs[channel] {
                    starts.append(recoveryStart(channel: channel, since: position, table: table))
                    continue
                }
                guard let state = table.states[channel] else { continue }
                let last = state.history.lastSeq
                let oldest = oldestAvailable(channel, state, now: now)
                // History reaches back to `after` when it holds the epoch's
                // first message, or a message older than `after` (every
                // evicted one is older still).
                guard let oldest, oldest.seq == 1 || oldest.timeMilliseconds < after else {
                    starts.append(RecoveryStart(channel: channel,
                                                notice: RecoveryNotice(channel: channel, reason: "history_unavailable", since: nil, sinceEpoch: nil,
                                                                       epoch: state.epoch, lastSeq: last, replayFrom: oldest?.seq),
                                                epoch: state.epoch, from: oldest?.seq, seenThrough: last))
                    continue
                }
                var from = state.history.firstSeq(atOrAfter: after, nowMilliseconds: now)
                if let durable, let memoryOldest = state.history.oldestReplayable(nowMilliseconds: now),
                   memoryOldest.timeMilliseconds >= after,
                   let disk = durable.firstSeq(of: channel, epoch: state.epoch, atOrAfter: after), disk < from ?? .max {
                    from = disk
                }
                starts.append(RecoveryStart(channel: channel, notice: nil, epoch: state.epoch, from: from, seenThrough: last))
            }
            return (starts, Array(ordered.dropFirst(maxChannels)))
        }
    }

    /// The next step of a replay of `channel` (epoch `epoch`) from `from`:
    /// at most `maxCount` messages, about `maxBytes`, from memory when it
    /// holds them, else from the durable log.
    func replayStep(channel: String, epoch: String, from: UInt64, maxCount: Int, maxBytes: Int) -> ReplayStep {
        channels.withLock { table in
            let now = WallClock.nowMilliseconds()
            guard let state = table.states[channel], state.epoch == epoch else { return .epochChanged }
            let last = state.history.lastSeq
            if from > last { return .messages([], next: from, caughtUp: true, lastSeq: last) }
            if let memory = state.history.oldestReplayable(nowMilliseconds: now), memory.seq <= from {
                let (messages, next) = state.history.messages(from: from, maxCount: maxCount, maxBytes: maxBytes, nowMilliseconds: now)
                return .messages(messages, next: next, caughtUp: next > last, lastSeq: last)
            }
            var resumeAt = state.history.oldestReplayable(nowMilliseconds: now)?.seq
            if let durable, ChannelKind(channel: channel)?.isPrivate == true {
                do {
                    switch try durable.read(channel: channel, epoch: epoch, from: from, maxCount: maxCount, maxBytes: maxBytes) {
                    case .records(let records):
                        let messages = records.map { StreamMessage(record: $0, epoch: epoch) }.filter { !$0.isExpired(atMilliseconds: now) }
                        let next = from + UInt64(records.count)
                        return .messages(messages, next: next, caughtUp: next > last, lastSeq: last)
                    case .missing(let nextAvailable):
                        if let nextAvailable, nextAvailable < resumeAt ?? .max { resumeAt = nextAvailable }
                    }
                } catch {
                    logger.warning("durable log read failed during replay", ["channel": .string(channel), "error": .string("\(error)")])
                }
            }
            let notice = RecoveryNotice(channel: channel, reason: "history_unavailable", since: from - 1, sinceEpoch: epoch,
                                        epoch: epoch, lastSeq: last, replayFrom: resumeAt)
            return .hole(notice, resumeAt: resumeAt, lastSeq: last)
        }
    }
}


