public import Base
public import Broadcast
public import Dispatch
public import Metrics
public import NetCore
public import TextFormat
public import WebSocket

/// What a publish was given: its place in the channel's numbering.
public struct PublishReceipt: Sendable, Equatable {
    public let seq: UInt64
    public let epoch: String
    /// The idempotency key was seen before: nothing new was published, and
    /// `seq`/`epoch` are the original publish's.
    public let duplicate: Bool

    public init(seq: UInt64, epoch: String, duplicate: Bool = false) {
        self.seq = seq
        self.epoch = epoch
        self.duplicate = duplicate
    }

    /// The `data` of an `ack` (and the tail of an HTTPS result): `{"seq":N,"epoch":"E"}`, `"duplicate":true` for a repeat.
    var json: String {
        // Epochs are [a-z0-9] (`Epoch.isWellFormed`): nothing to escape.
        #"{"seq":\#(seq),"epoch":"\#(epoch)"\#(duplicate ? #","duplicate":true"# : "")}"#
    }
}

/// Why a publish was not accepted.
public struct PublishError: Error, CustomStringConvertible, Sendable {
    public let code: String      // bad_request, storage_error
    public let description: String
}

/// The one broadcaster every session shares. A message gets its `seq`, is
/// encoded and framed once, goes into its channel's history (and, for
/// private channels, the durable log), and is handed to each loop, which
/// writes the same bytes to each of its subscribers.
public final class Broadcaster: @unchecked Sendable {
    private let contexts: [LoopContext]
    let settings: StreamSettings
    /// Per kind, resolved once: looked up for every recipient of every message.
    private let policies: [ChannelKind: DeliveryPolicy]
    private let maxChannelNameBytes: Int
    /// The epoch of every non-durable channel in this run: their numbering
    /// starts over with each start of the process.
    let runEpoch = Epoch.make()
    /// All channel state behind one lock. Held while handing a message to
    /// the loops, so every loop sees a channel's messages in seq order, and
    /// while a subscriber reads history, so replay and live never overlap.
    let channels: Lock<ChannelTable>
    let durable: DurableLog?
    let logger: Logger
    /// Set before the loops start when the server runs with `--redis`: the
    /// bus numbers messages and carries them to every instance.
    var cluster: ClusterBus?
    /// `streamd_published_total`: publishes this instance accepted (set before the loops start).
    var publishedCounter: Counter?
    /// `streamd_idempotency_duplicates_total` and `streamd_idempotency_evicted_total` (set before the loops start).
    var duplicateCounter: Counter?
    /// permessage-deflate: used under the lock to compress each message once
    /// before it reaches the loops, while `compressionWanted` says some
    /// session agreed on compression (set before the loops start).
    var frameCompressor: FrameCompressor?
    var compressionWanted: (@Sendable () -> Bool)?
    var evictedKeysCounter: Counter?

    struct ChannelTable {
        var states: [String: ChannelState] = [:]
        /// The newest tick per symbol, for the snapshot a new subscriber gets.
        var latestTicks: [String: StreamMessage] = [:]
    }

    struct ChannelState {
        /// The numbering the history belongs to.
        var epoch: String
        var history: ChannelHistory
        var idempotency: IdempotencyWindow
        /// Epochs this channel left behind (cluster): a late message of one
        /// of them is stale, never a reason to switch back.
        var retiredEpochs: [String] = []

        /// Appends a numbered message and remembers its key; returns how many
        /// keys the window's count bound pushed out.
        mutating func take(_ message: StreamMessage, timeMilliseconds: Int64, idempotencyKey: String?) -> Int {
            history.append(message, timeMilliseconds: timeMilliseconds)
            guard let idempotencyKey else { return 0 }
            return idempotency.remember(idempotencyKey, seq: message.seq, timeMilliseconds: timeMilliseconds)
        }
    }

    init(contexts: [LoopContext], settings: StreamSettings, maxChannelNameBytes: Int, logger: Logger) throws {
        self.contexts = contexts
        self.settings = settings
        policies = Dictionary(uniqueKeysWithValues: ChannelKind.allCases.map { ($0, settings.policy(for: $0)) })
        self.maxChannelNameBytes = maxChannelNameBytes
        self.logger = logger
        var table = ChannelTable()
        do {
            let log = try DurableLog(directory: settings.dataDirectory, maxBytes: settings.durableMaxBytes, fsync: settings.durableFsync)
            let now = WallClock.nowMilliseconds()
            let recovered = try log.recover(keepPerChannel: settings.historyDepth,
                                            keysSince: now - Int64(settings.idempotencyWindowSeconds * 1000))
            for warning in recovered.warnings { logger.warning("durable log", ["warning": .string(warning)]) }
            for (channel, entry) in recovered.channels {
                // A log written before epochs names none: the numbering goes on under a new name.
                var state = Broadcaster.newChannelState(epoch: entry.epoch.isEmpty ? Epoch.make() : entry.epoch, settings: settings)
                state.history.restore(lastSeq: entry.lastSeq)
                for record in entry.records {
                    state.history.append(StreamMessage(record: record, epoch: state.epoch), timeMilliseconds: record.timeMilliseconds)
                }
                for key in entry.idempotencyKeys {
                    state.idempotency.remember(key.key, seq: key.seq, timeMilliseconds: key.timeMilliseconds)
                }
                table.states[channel] = state
            }
            if !recovered.channels.isEmpty {
                logger.info("recovered private streams", ["channels": .int(recovered.channels.count), "directory": .string(settings.dataDirectory)])
            }
            durable = log
        } catch {
            throw ServerStartupError("streams.data_directory \(settings.dataDirectory): \(error)")
        }
        channels = Lock(table)
    }

    /// Publishes `dataJSON` (a JSON object's text) on `channel` and calls
    /// `completion` with its seq and epoch. Single node: at once, on the
    /// caller's thread. With a cluster bus: once the bus has numbered and
    /// stored it, on the bus's loop (callers on a loop hop back themselves).
    /// `expiresAtMilliseconds`: after it the message is neither delivered nor replayed.
    /// `idempotencyKey`: a repeat within `streams.idempotency_window_s` is
    /// answered with the original receipt (`duplicate`) and not published.
    public func publish(channel: String, dataJSON: String, expiresAtMilliseconds: Int64? = nil, idempotencyKey: String? = nil,
                        completion: @escaping @Sendable (Result<PublishReceipt, PublishError>) -> Void) {
        let prepared: PreparedPublish
        do {
            prepared = try prepare(channel: channel, dataJSON: dataJSON, expiresAtMilliseconds: expiresAtMilliseconds,
                                   idempotencyKey: idempotencyKey)
        } catch {
            return completion(.failure(error))
        }
        let counter = publishedCounter, duplicates = duplicateCounter
        let counted: @Sendable (Result<PublishReceipt, PublishError>) -> Void = { result in
            if case .success(let receipt) = result { (receipt.duplicate ? duplicates : counter)?.increment(shard: 0) }
            completion(result)
        }
        if let cluster {
            return cluster.publish(prepared, floor: position(of: channel), completion: counted)
        }
        counted(Result { () throws(PublishError) -> PublishReceipt in
            try channels.withLock { table throws(PublishError) -> PublishReceipt in
                // Only values are read out: a copy of the state held here would
                // make the in-place changes below copy its key window.
                let current = table.states[channel].map { LogPosition(epoch: $0.epoch, lastSeq: $0.history.lastSeq) }
                if let key = prepared.idempotencyKey, let current,
                   let seq = table.states.modify(channel, { $0.idempotency.seq(for: key, nowMilliseconds: prepared.timeMilliseconds) }) ?? nil {
                    return PublishReceipt(seq: seq, epoch: current.epoch, duplicate: true)
                }
                let epoch = current?.epoch ?? (prepared.kind.isPrivate ? Epoch.make() : runEpoch)
                let seq = (current?.lastSeq ?? 0) + 1
                try accept(prepared.assigned(seq: seq, epoch: epoch), publishedAt: prepared.publishedAtNanoseconds, into: &table)
                return PublishReceipt(seq: seq, epoch: epoch)
            }
        })
    }

    /// The same, waiting for the receipt: for in-process producers on their
    /// own threads. Never call it on an event loop with a cluster bus: the
    /// bus answers on a loop, so it refuses rather than deadlock.
    @discardableResult
    public func publish(channel: String, dataJSON: String, expiresAtMilliseconds: Int64? = nil,
                        idempotencyKey: String? = nil) throws(PublishError) -> PublishReceipt {
        if cluster != nil, contexts.contains(where: { $0.loop.isInLoop }) {
            throw PublishError(code: "unavailable", description: "in cluster mode, publish from an event loop with the completion form")
        }
        let answer = Lock<Result<PublishReceipt, PublishError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        publish(channel: channel, dataJSON: dataJSON, expiresAtMilliseconds: expiresAtMilliseconds, idempotencyKey: idempotencyKey) { result in
            answer.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try answer.withLock { $0! }.get()
    }

    /// Checks a message and builds its envelope around the seq still to come.
    private func prepare(channel: String, dataJSON: String, expiresAtMilliseconds: Int64?,
                         idempotencyKey: String?) throws(PublishError) -> PreparedPublish {
        if let idempotencyKey, let problem = IdempotencyKey.problem(with: idempotencyKey) {
            throw PublishError(code: "bad_request", description: problem)
        }
        guard let kind = ChannelKind(channel: channel) else {
            throw PublishError(code: "bad_request", description: "channel \(channel.debugDescription) must start with tick:, signal:, order:, idea: or payload:")
        }
        if let problem = ChannelRules.problem(with: channel, maxBytes: maxChannelNameBytes, allowWildcard: false) {
            throw PublishError(code: "bad_request", description: problem)
        }
        let now = WallClock.nowMilliseconds()
        if let expiresAtMilliseconds, expiresAtMilliseconds <= now {
            throw PublishError(code: "bad_request", description: "valid_until is already in the past")
        }
        return PreparedPublish(channel: channel, kind: kind, timeMilliseconds: now, expiresAtMilliseconds: expiresAtMilliseconds,
                               envelopeHead: #"{"type":"\#(kind.messageType)","channel":\#(JSONStringEscaper.quoted(channel)),"seq":"#,
                               envelopeTail: #","timestamp":"\#(RFC3339.format(milliseconds: now))","data":\#(dataJSON)}"#,
                               publishedAtNanoseconds: MonotonicClock.now(), idempotencyKey: idempotencyKey)
    }

    /// Takes a numbered message into its channel: durable log (private
    /// kinds), history, latest tick, then every loop. Called with the lock
    /// held, so loops see each channel's messages in seq order.
    private func accept(_ message: NumberedMessage, publishedAt: UInt64, into table: inout ChannelTable) throws(PublishError) {
        if message.kind.isPrivate, let durable {
            do {
                try durable.append(DurableRecord(channel: message.channel, seq: message.seq, timeMilliseconds: message.timeMilliseconds,
                                                 expiresAtMilliseconds: message.expiresAtMilliseconds, type: message.kind.messageType,
                                                 payload: message.payload, epoch: message.epoch, idempotencyKey: message.idempotencyKey))
            } catch {
                throw PublishError(code: "storage_error", description: "the message could not be stored: \(error)")
            }
        }
        let streamMessage = StreamMessage(channel: message.channel, type: message.kind.messageType, seq: message.seq,
                                          epoch: message.epoch, timeMilliseconds: message.timeMilliseconds,
                                          frame: FrameEncoder.frame(opcode: .text, payload: message.payload),
                                          expiresAtMilliseconds: message.expiresAtMilliseconds, publishedAtNanoseconds: publishedAt)
        // Changed in place (the `default:` subscript): a copy of the state
        // would copy the whole history ring and key window per message.
        let evicted = table.states[message.channel, default: Broadcaster.newChannelState(epoch: message.epoch, settings: settings)]
            .take(streamMessage, timeMilliseconds: message.timeMilliseconds, idempotencyKey: message.idempotencyKey)
        if evicted > 0 { evictedKeysCounter?.increment(shard: 0, by: evicted) }
        if message.kind == .tick { table.latestTicks[message.channel] = streamMessage }
        if let frameCompressor, compressionWanted?() == true { frameCompressor.prepare(streamMessage) }
        for context in contexts {
            let box = UncheckedBox(context)
            context.loop.execute { box.value.deliver(streamMessage) }
        }
    }

    static func newChannelState(epoch: String, settings: StreamSettings) -> ChannelState {
        ChannelState(epoch: epoch,
                     history: ChannelHistory(depth: settings.historyDepth, maxAgeMilliseconds: Int64(settings.historyMaxAgeSeconds * 1000)),
                     idempotency: IdempotencyWindow(windowMilliseconds: Int64(settings.idempotencyWindowSeconds * 1000),
                                                    maxKeys: settings.idempotencyMaxKeys))
    }

    /// A message numbered by the cluster bus (any instance's publish), in the
    /// order the bus saw it. Older or repeated seqs are dropped; a seq past
    /// the next one is refused unless `acceptingGap`, so the bus can first
    /// fetch what lies between.
    func receiveFromCluster(_ message: NumberedMessage, acceptingGap: Bool = false) -> ClusterReceipt {
        channels.withLock { table in
            if let state = table.states[message.channel], state.epoch != message.epoch {
                if state.retiredEpochs.contains(message.epoch) { return .duplicate }
                // Redis lost the channel and numbering started over: live
                // subscribers are told before the new epoch's first message.
                var fresh = Broadcaster.newChannelState(epoch: message.epoch, settings: settings)
                fresh.retiredEpochs = Array((state.retiredEpochs + [state.epoch]).suffix(4))
                table.states[message.channel] = fresh
                announceEpochChange(channel: message.channel, from: state.epoch, lastSeq: state.history.lastSeq, to: message.epoch)
            }
            let last = table.states[message.channel]?.history.lastSeq ?? 0
            if message.seq <= last { return .duplicate }
            if message.seq != last + 1 && !acceptingGap { return .gap(after: last) }
            do {
                // Received messages are timed from their arrival here: monotonic clocks of two hosts do not compare.
                try accept(message, publishedAt: MonotonicClock.now(), into: &table)
            } catch {
                // The bus holds the message; this instance's own disk failed. Delivery goes on.
                logger.warning("durable log write failed", ["channel": .string(message.channel), "error": .string("\(error)")])
                return .accepted
            }
            return .accepted
        }
    }

    /// Messages between `after` and the next one the bus could give are gone
    /// for good (trimmed from the bus, or lost with it): live subscribers of
    /// the channel are told, as a `recovery_failed` notice, never a silent gap.
    func announceGap(channel: String, epoch: String, after seq: UInt64, resumingAt next: UInt64) {
        let notice = RecoveryNotice(channel: channel, reason: "gap", since: seq, sinceEpoch: epoch, epoch: epoch,
                                    lastSeq: next &- 1, replayFrom: next)
        announce(notice)
    }

    /// A live channel's numbering started over (with `--redis`, Redis lost it).
    private func announceEpochChange(channel: String, from old: String, lastSeq: UInt64, to new: String) {
        logger.warning("channel numbering started over in a new epoch; subscribers are told (recovery_failed, reason epoch_changed)",
                       ["channel": .string(channel), "old_epoch": .string(old), "epoch": .string(new)])
        announce(RecoveryNotice(channel: channel, reason: "epoch_changed", since: lastSeq, sinceEpoch: old, epoch: new,
                                lastSeq: 0, replayFrom: 1))
    }

    private func announce(_ notice: RecoveryNotice) {
        let frame = FrameEncoder.frame(opcode: .text, payload: Array(notice.envelope.utf8))
        for context in contexts {
            let box = UncheckedBox(context)
            context.loop.execute { box.value.announce(frame, to: notice.channel, numberingEnded: notice.reason == "epoch_changed") }
        }
    }

    /// Every channel this instance holds and where it stands (what the bus resyncs).
    func channelPositions() -> [(channel: String, position: LogPosition)] {
        channels.withLock { table in table.states.map { ($0.key, LogPosition(epoch: $0.value.epoch, lastSeq: $0.value.history.lastSeq)) } }
    }

    /// Where `channel` stands here: its epoch and last seq (nil: no message yet).
    public func position(of channel: String) -> LogPosition? {
        channels.withLock { table in table.states[channel].map { LogPosition(epoch: $0.epoch, lastSeq: $0.history.lastSeq) } }
    }

    /// The newest tick of every symbol a subscription matches, oldest symbol first.
    public func latestTicks(matching subscription: String) -> [StreamMessage] {
        let key = SubscriptionIndex<Connection>.Key(subscription)
        return channels.withLock { table in
            table.latestTicks.values.filter { message in
                switch key {
                case .exact(let channel): message.channel == channel
                case .prefix(let prefix): message.channel.hasPrefix(prefix)
                }
            }.sorted { $0.channel < $1.channel }
        }
    }

    func deliveryPolicy(for kind: ChannelKind) -> DeliveryPolicy { policies[kind] ?? .reliable }

    /// fsync the durable log (clean shutdown, or the `interval` policy's timer).
    func sync() {
        channels.withLock { _ in durable?.sync() }
    }

    func close() {
        channels.withLock { _ in durable?.close() }
    }
}

/// A checked message waiting for its seq: its envelope is written around
/// the number, so whoever assigns the seq (this process or the cluster bus)
/// only joins three pieces.
struct PreparedPublish: Sendable {
    let channel: String
    let kind: ChannelKind
    let timeMilliseconds: Int64
    let expiresAtMilliseconds: Int64?
    let envelopeHead: String
    let envelopeTail: String
    let publishedAtNanoseconds: UInt64
    let idempotencyKey: String?

    /// `epoch` is well formed (`Epoch.isWellFormed`): written without escaping.
    func assigned(seq: UInt64, epoch: String) -> NumberedMessage {
        let seqText = String(seq)
        var payload: [UInt8] = []
        payload.reserveCapacity(envelopeHead.utf8.count + seqText.utf8.count + 11 + epoch.utf8.count + envelopeTail.utf8.count)
        payload += envelopeHead.utf8
        payload += seqText.utf8
        payload += #","epoch":""#.utf8
        payload += epoch.utf8
        payload.append(UInt8(ascii: "\""))
        payload += envelopeTail.utf8
        return NumberedMessage(channel: channel, kind: kind, seq: seq, epoch: epoch, timeMilliseconds: timeMilliseconds,
                               expiresAtMilliseconds: expiresAtMilliseconds, payload: payload, idempotencyKey: idempotencyKey)
    }
}

/// A message with its seq and complete JSON envelope.
struct NumberedMessage: Sendable {
    let channel: String
    let kind: ChannelKind
    let seq: UInt64
    let epoch: String
    let timeMilliseconds: Int64
    let expiresAtMilliseconds: Int64?
    let payload: [UInt8]
    var idempotencyKey: String? = nil
}

enum ClusterReceipt: Equatable {
    case accepted
    case duplicate
    /// The channel's last seq here is `after`; what lies between must be fetched first.
    case gap(after: UInt64)
}

/// What the broadcaster needs from a scale-out engine: one seq per channel
/// across instances, and every publish carried to every instance (which then
/// calls `receiveFromCluster`). Implemented over Redis by `RedisCluster`.
protocol ClusterBus: AnyObject, Sendable {
    /// Numbers and stores `message`, then carries it to every instance.
    /// `floor`: where this instance stands on the channel, so a bus that
    /// went back to an older copy of the same epoch never numbers below
    /// what clients have already seen.
    func publish(_ message: PreparedPublish, floor: LogPosition?, completion: @escaping @Sendable (Result<PublishReceipt, PublishError>) -> Void)
    /// Both links up and resynced: cross-instance delivery works.
    var isConnected: Bool { get }
    /// A lease for one more session of `subject` across the cluster: true if
    /// it fits under `limit`, false if not, nil when the bus cannot tell.
    func acquireSession(subject: String, member: String, limit: Int, completion: @escaping @Sendable (Bool?) -> Void)
    func releaseSession(subject: String, member: String)
}

/// The server's wording for `ChannelNameRules` problems (contract section 3).
enum ChannelRules {
    static func problem(with name: String, maxBytes: Int, allowWildcard: Bool) -> String? {
        guard case .failure(let problem) = ChannelNameRules.check(name, maxBytes: maxBytes, wildcard: allowWildcard ? .trailing : .forbidden)
        else { return nil }
        switch problem {
        case .empty: return "a channel name may not be empty"
        case .tooLong(_, let max): return "channel names are at most \(max) bytes"
        case .notPrintableASCII: return "channel names are printable ASCII without spaces"
        case .wildcard: return allowWildcard ? "'*' may only end a channel pattern" : "a channel to publish on may not contain '*'"
        case .missingKind, .unknownKind: return "channel \(name.debugDescription) must start with tick:, signal:, order:, idea: or payload:"
        }
    }

    /// The problems that refuse a whole subscribe or unsubscribe request
    /// (length and bytes) rather than one channel of it.
    static func requestProblem(with name: String, maxBytes: Int) -> String? {
        switch ChannelNameRules.check(name, maxBytes: maxBytes, wildcard: .trailing) {
        case .failure(.tooLong), .failure(.notPrintableASCII): problem(with: name, maxBytes: maxBytes, allowWildcard: true)
        default: nil
        }
    }
}

extension Dictionary {
    /// Runs `body` on the value for `key` in place (nil when absent): unlike
    /// `self[key]!.mutate()`, it never copies the value first.
    mutating func modify<Result>(_ key: Key, _ body: (inout Value) -> Result) -> Result? {
        guard let index = index(forKey: key) else { return nil }
        return body(&values[index])
    }
}
