/// Where the application stands on each channel, kept across reconnects: the
/// (epoch, seq) of the last message delivered, so that replays and tick
/// snapshots after a reconnect reach the application with no gap and no
/// duplicate, and a channel whose numbering started over (a new epoch) is
/// never taken for one already seen.
public struct SequenceTracker: Sendable, Equatable {
    struct Mark: Sendable, Equatable {
        var position: StreamPosition?
        /// The timestamp of the last message delivered on the channel, as the
        /// server wrote it, and that delivery's place in the order of all.
        var timestamp: String?
        var delivery: UInt64 = 0
    }

    /// What to do with a stream message.
    public enum Acceptance: Sendable, Equatable {
        case deliver
        case duplicate
        /// Deliver it, after telling the application that the numbering started over.
        case deliverInNewEpoch(EpochChange)
    }

    private var marks: [String: Mark] = [:]
    private var deliveries: UInt64 = 0
    /// Set once the server has sent an epoch: it then knows the object and
    /// pattern forms of `since`.
    private var serverSendsEpochs = false
    /// Channels that have delivered a message on the current connection.
    private var seenThisConnection: Set<String> = []
    /// Channels asked for with `since` on the current connection.
    private var recovering: Set<String> = []

    public init() {}

    public var positions: [String: StreamPosition] { marks.compactMapValues(\.position) }
    public var lastSeq: [String: UInt64] { marks.compactMapValues { $0.position?.seq } }

    /// `since` for a subscribe: each exact channel with a position, and each
    /// pattern ending in `*` that has delivered something (its `after` is the
    /// timestamp of the last message delivered on a matching channel, its
    /// `seqs` every matching position).
    public func since(for channels: [String]) -> [String: SinceValue] {
        var since: [String: SinceValue] = [:]
        for channel in channels {
            if channel.hasSuffix("*") {
                if let value = patternSince(channel) { since[channel] = value }
            } else if let position = marks[channel]?.position {
                since[channel] = position.epoch == nil ? .seq(position.seq) : .position(position)
            }
        }
        return since
    }

    private func patternSince(_ pattern: String) -> SinceValue? {
        guard serverSendsEpochs else { return nil }
        let prefix = pattern.dropLast()
        var latest = Mark()
        var seqs: [String: StreamPosition] = [:]
        for (channel, mark) in marks where channel.hasPrefix(prefix) {
            // A position without an epoch (numbering not known yet) is left to `after`.
            if let position = mark.position, position.epoch != nil { seqs[channel] = position }
            if mark.timestamp != nil && mark.delivery > latest.delivery { latest = mark }
        }
        return latest.timestamp.map { .pattern(after: $0, seqs: seqs) }
    }

    /// A new connection subscribes with `since`.
    public mutating func connectionStarted(since: [String: SinceValue]) {
        seenThisConnection = []
        recovering = []
        for (key, value) in since {
            guard case .pattern = value else {
                recovering.insert(key)
                continue
            }
            let prefix = key.dropLast()
            recovering.formUnion(marks.keys.filter { $0.hasPrefix(prefix) })
        }
    }

    /// Decides whether a stream message is new, and records it if so.
    public mutating func accept(channel: String, seq: UInt64, epoch: String?, timestamp: String?) -> Acceptance {
        defer { seenThisConnection.insert(channel) }
        var acceptance = Acceptance.deliver
        let mark = marks[channel]
        if let held = mark?.position {
            if let epoch, let heldEpoch = held.epoch, epoch != heldEpoch {
                acceptance = .deliverInNewEpoch(EpochChange(channel: channel, source: .message, previous: held, epoch: epoch,
                                                            lastSeq: nil, replayFrom: seq))
            } else if seq <= held.seq {
                let startedOver = seq < held.seq && startedOverWithoutEpochs(channel, held, epoch)
                if !startedOver { return .duplicate }
            }
        }
        if epoch != nil { serverSendsEpochs = true }
        deliveries += 1
        marks[channel] = Mark(position: StreamPosition(epoch: epoch ?? mark?.position?.epoch, seq: seq),
                              timestamp: timestamp ?? mark?.timestamp, delivery: deliveries)
        return acceptance
    }

    /// Without epochs to compare: a server never sends a lower seq than the
    /// latest on a channel it still remembers, so a lower first message on a
    /// new connection without `since` (a tick snapshot) means the channel
    /// started over (a restart of a channel that is not durable).
    private func startedOverWithoutEpochs(_ channel: String, _ held: StreamPosition, _ epoch: String?) -> Bool {
        (epoch == nil || held.epoch == nil) && !seenThisConnection.contains(channel) && !recovering.contains(channel)
    }

    /// For a server that sends no epochs (wire format 1.0): true when the
    /// message is new and must be delivered.
    public mutating func accept(channel: String, seq: UInt64) -> Bool {
        accept(channel: channel, seq: seq, epoch: nil, timestamp: nil) != .duplicate
    }

    /// Takes in a `recovery_failed` notice. When the channel's epoch is not
    /// the one held, the position moves to the new epoch just before
    /// `replay_from` (or at `last_seq` when nothing is replayed), so what the
    /// server sends next is delivered; the change is returned for the application.
    @discardableResult
    public mutating func recoveryFailed(_ failure: RecoveryFailure) -> EpochChange? {
        let channel = failure.channel
        recovering.remove(channel)
        guard let held = marks[channel]?.position else { return nil }
        if failure.epoch != nil { serverSendsEpochs = true }
        let epochDiffers = failure.epoch != nil && held.epoch != nil && failure.epoch != held.epoch
        if failure.isEpochChange || epochDiffers {
            guard failure.epoch != held.epoch else { return nil }  // a message already showed the change
            // No current epoch (the channel holds nothing now): seq 0 of
            // whatever comes, which `since` asks for as the legacy integer 0.
            let seq = failure.replayFrom.map { $0 > 0 ? $0 - 1 : 0 } ?? (failure.epoch == nil ? 0 : failure.lastSeq ?? 0)
            marks[channel]?.position = StreamPosition(epoch: failure.epoch, seq: seq)
            return EpochChange(channel: channel, source: .recoveryFailed, previous: held, epoch: failure.epoch,
                               lastSeq: failure.lastSeq, replayFrom: failure.replayFrom)
        }
        // Without epochs: a server whose last seq is below ours restarted a
        // channel that is not durable; accept from its numbering again.
        if held.epoch == nil, let serverLast = failure.lastSeq, serverLast < held.seq {
            marks[channel]?.position?.seq = serverLast
        }
        return nil
    }
}
