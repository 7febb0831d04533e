import Broadcast
import Dispatch
import Metrics
import NetCore
import Synchronization
import TextFormat
import WebSocket

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
    private let settings: StreamSettings
    /// Per kind, resolved once: looked up for every recipient of every message.
    private let policies: [ChannelKind: DeliveryPolicy]
    private let maxChannelNameBytes: Int
    /// All channel state behind one lock. Held while handing a message to
    /// the loops, so every loop sees a channel's messages in seq order, and
    /// while a subscriber reads history, so replay and live never overlap.
    private let channels: Mutex<ChannelTable>
    private let durable: DurableLog?
    private let logger: Logger
    /// Set before the loops start when the server runs with `--redis`: the
    /// bus numbers messages and carries them to every instance.
    var cluster: ClusterBus?
    /// `streamd_published_total`: publishes this instance accepted (set before the loops start).
    var publishedCounter: Counter?

    struct ChannelTable {
        var states: [String: ChannelState] = [:]
        /// The newest tick per symbol, for the snapshot a new subscriber gets.
        var latestTicks: [String: StreamMessage] = [:]
    }

    struct ChannelState {
        var history: ChannelHistory
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
            let recovered = try log.recover(keepPerChannel: settings.historyDepth)
            for warning in recovered.warnings { logger.warning("durable log", ["warning": .string(warning)]) }
            for (channel, entry) in recovered.channels {
                var history = ChannelHistory(depth: settings.historyDepth, maxAgeMilliseconds: Int64(settings.historyMaxAgeSeconds * 1000))
                history.restore(lastSeq: entry.lastSeq)
                for record in entry.records {
                    let message = StreamMessage(channel: record.channel, type: record.type, seq: record.seq,
                                                frame: FrameEncoder.frame(opcode: .text, payload: record.payload),
                                                expiresAtMilliseconds: record.expiresAtMilliseconds)
                    history.append(message, timeMilliseconds: record.timeMilliseconds)
                }
                table.states[channel] = ChannelState(history: history)
            }
            if !recovered.channels.isEmpty {
                logger.info("recovered private streams", ["channels": .int(recovered.channels.count), "directory": .string(settings.dataDirectory)])
            }
            durable = log
        } catch {
            throw ServerStartupError("streams.data_directory \(settings.dataDirectory): \(error)")
        }
        channels = Mutex(table)
    }

    /// Publishes `dataJSON` (a JSON object's text) on `channel` and calls
    /// `completion` with its seq. Single node: at once, on the caller's
    /// thread. With a cluster bus: once the bus has numbered and stored it,
    /// on the bus's loop (callers on a loop hop back themselves).
    /// `expiresAtMilliseconds`: after it the message is neither delivered nor replayed.
    public func publish(channel: String, dataJSON: String, expiresAtMilliseconds: Int64? = nil,
                        completion: @escaping @Sendable (Result<UInt64, PublishError>) -> Void) {
        let prepared: PreparedPublish
        do {
            prepared = try prepare(channel: channel, dataJSON: dataJSON, expiresAtMilliseconds: expiresAtMilliseconds)
        } catch {
            return completion(.failure(error))
        }
        let counter = publishedCounter
        let counted: @Sendable (Result<UInt64, PublishError>) -> Void = { result in
            if case .success = result { counter?.increment(shard: 0) }
            completion(result)
        }
        if let cluster {
            return cluster.publish(prepared, floor: lastSequence(of: channel), completion: counted)
        }
        counted(Result { () throws(PublishError) -> UInt64 in
            try channels.withLock { table throws(PublishError) -> UInt64 in
                let seq = (table.states[channel]?.history.lastSeq ?? 0) + 1
                try accept(prepared.assigned(seq: seq), publishedAt: prepared.publishedAtNanoseconds, into: &table)
                return seq
            }
        })
    }

    /// The same, waiting for the seq: for in-process producers on their own
    /// threads. Never call it on an event loop with a cluster bus: the bus
    /// answers on a loop, so it refuses rather than deadlock.
    @discardableResult
    public func publish(channel: String, dataJSON: String, expiresAtMilliseconds: Int64? = nil) throws(PublishError) -> UInt64 {
        if cluster != nil, contexts.contains(where: { $0.loop.isInLoop }) {
            throw PublishError(code: "unavailable", description: "in cluster mode, publish from an event loop with the completion form")
        }
        let answer = Mutex<Result<UInt64, PublishError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        publish(channel: channel, dataJSON: dataJSON, expiresAtMilliseconds: expiresAtMilliseconds) { result in
            answer.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try answer.withLock { $0! }.get()
    }

    /// Checks a message and builds its envelope around the seq still to come.
    private func prepare(channel: String, dataJSON: String, expiresAtMilliseconds: Int64?) throws(PublishError) -> PreparedPublish {
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
                               publishedAtNanoseconds: MonotonicClock.now())
    }

    /// Takes a numbered message into its channel: durable log (private
    /// kinds), history, latest tick, then every loop. Called with the lock
    /// held, so loops see each channel's messages in seq order.
    private func accept(_ message: NumberedMessage, publishedAt: UInt64, into table: inout ChannelTable) throws(PublishError) {
        if message.kind.isPrivate, let durable {
            do {
                try durable.append(DurableRecord(channel: message.channel, seq: message.seq, timeMilliseconds: message.timeMilliseconds,
                                                 expiresAtMilliseconds: message.expiresAtMilliseconds, type: message.kind.messageType,
                                                 payload: message.payload))
            } catch {
                throw PublishError(code: "storage_error", description: "the message could not be stored: \(error)")
            }
        }
        let streamMessage = StreamMessage(channel: message.channel, type: message.kind.messageType, seq: message.seq,
                                          frame: FrameEncoder.frame(opcode: .text, payload: message.payload),
                                          expiresAtMilliseconds: message.expiresAtMilliseconds, publishedAtNanoseconds: publishedAt)
        // Appended in place: a copy of the state would copy the whole history ring per message.
        table.states[message.channel, default: newChannelState()].history.append(streamMessage, timeMilliseconds: message.timeMilliseconds)
        if message.kind == .tick { table.latestTicks[message.channel] = streamMessage }
        for context in contexts {
            let box = UncheckedBox(context)
            context.loop.execute { box.value.deliver(streamMessage) }
        }
    }

    private func newChannelState() -> ChannelState {
        ChannelState(history: ChannelHistory(depth: settings.historyDepth, maxAgeMilliseconds: Int64(settings.historyMaxAgeSeconds * 1000)))
    }

    /// A message numbered by the cluster bus (any instance's publish), in the
    /// order the bus saw it. Older or repeated seqs are dropped; a seq past
    /// the next one is refused unless `acceptingGap`, so the bus can first
    /// fetch what lies between.
    func receiveFromCluster(_ message: NumberedMessage, acceptingGap: Bool = false) -> ClusterReceipt {
        channels.withLock { table in
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
    func announceGap(channel: String, after seq: UInt64, resumingAt next: UInt64) {
        let data = #"{"channel":\#(JSONStringEscaper.quoted(channel)),"since":\#(seq),"last_seq":\#(next &- 1),"reason":"gap"}"#
        let frame = FrameEncoder.frame(opcode: .text, payload: Array(ServerMessage.envelope(type: "recovery_failed", id: nil, data: data).utf8))
        for context in contexts {
            let box = UncheckedBox(context)
            context.loop.execute { box.value.announce(frame, to: channel) }
        }
    }

    /// Every channel this instance holds and its last seq (what the bus resyncs).
    func channelPositions() -> [(channel: String, lastSeq: UInt64)] {
        channels.withLock { table in table.states.map { ($0.key, $0.value.history.lastSeq) } }
    }

    /// For `since` recovery: what a client that saw `seq` on `channel` missed.
    public func messages(on channel: String, after seq: UInt64) -> HistoryLookup {
        channels.withLock { table in
            // In a cluster, seq is one sequence for every instance: a client a
            // little ahead of this one saw messages still on their way here,
            // which its watermark will skip. Far ahead, or on a channel this
            // instance has never seen, it is another epoch: not recoverable.
            if cluster != nil, let last = table.states[channel]?.history.lastSeq, seq > last,
               seq - last <= UInt64(settings.historyDepth) {
                return .upToDate
            }
            guard let state = table.states[channel] else {
                return seq == 0 ? .upToDate : .unavailable(oldestAvailable: nil)
            }
            return state.history.lookup(after: seq, nowMilliseconds: WallClock.nowMilliseconds())
        }
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

    /// The last seq given out on `channel` (0 when none yet).
    public func lastSequence(of channel: String) -> UInt64 {
        channels.withLock { $0.states[channel]?.history.lastSeq ?? 0 }
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

    func assigned(seq: UInt64) -> NumberedMessage {
        NumberedMessage(channel: channel, kind: kind, seq: seq, timeMilliseconds: timeMilliseconds,
                        expiresAtMilliseconds: expiresAtMilliseconds, payload: Array((envelopeHead + String(seq) + envelopeTail).utf8))
    }
}

/// A message with its seq and complete JSON envelope.
struct NumberedMessage: Sendable {
    let channel: String
    let kind: ChannelKind
    let seq: UInt64
    let timeMilliseconds: Int64
    let expiresAtMilliseconds: Int64?
    let payload: [UInt8]
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
    /// `floor`: this instance's last seq on the channel, so a bus that lost
    /// its data never numbers below what clients have already seen.
    func publish(_ message: PreparedPublish, floor: UInt64, completion: @escaping @Sendable (Result<UInt64, PublishError>) -> Void)
    /// Both links up and resynced: cross-instance delivery works.
    var isConnected: Bool { get }
    /// A lease for one more session of `subject` across the cluster: true if
    /// it fits under `limit`, false if not, nil when the bus cannot tell.
    func acquireSession(subject: String, member: String, limit: Int, completion: @escaping @Sendable (Bool?) -> Void)
    func releaseSession(subject: String, member: String)
}

/// Channel-name rules of the contract (section 3): printable ASCII, bounded
/// length, a known kind; `*` only as the final character of a subscription.
enum ChannelRules {
    static func problem(with name: String, maxBytes: Int, allowWildcard: Bool) -> String? {
        let bytes = name.utf8
        if bytes.isEmpty { return "a channel name may not be empty" }
        if bytes.count > maxBytes { return "channel names are at most \(maxBytes) bytes" }
        for (offset, byte) in bytes.enumerated() {
            guard byte >= 0x21 && byte <= 0x7e else { return "channel names are printable ASCII without spaces" }
            if byte == UInt8(ascii: "*") && !(allowWildcard && offset == bytes.count - 1) {
                return allowWildcard ? "'*' may only end a channel pattern" : "a channel to publish on may not contain '*'"
            }
        }
        guard ChannelKind(channel: name) != nil else {
            return "channel \(name.debugDescription) must start with tick:, signal:, order:, idea: or payload:"
        }
        return nil
    }
}
