import Broadcast
import NetCore
import Synchronization
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

    /// Publishes `dataJSON` (a JSON object's text) on `channel`; returns its seq.
    /// `expiresAtMilliseconds`: after it the message is neither delivered nor replayed.
    @discardableResult
    public func publish(channel: String, dataJSON: String, expiresAtMilliseconds: Int64? = nil) throws(PublishError) -> UInt64 {
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
        let publishedAt = MonotonicClock.now()
        return try channels.withLock { table throws(PublishError) -> UInt64 in
            var state = table.states[channel] ?? ChannelState(history: ChannelHistory(
                depth: settings.historyDepth, maxAgeMilliseconds: Int64(settings.historyMaxAgeSeconds * 1000)))
            let seq = state.history.lastSeq + 1
            let json = #"{"type":"\#(kind.messageType)","channel":\#(JSONStringEscaper.quoted(channel)),"seq":\#(seq),"timestamp":"\#(Timestamp.rfc3339(milliseconds: now))","data":\#(dataJSON)}"#
            let payload = Array(json.utf8)
            if kind.isPrivate, let durable {
                do {
                    try durable.append(DurableRecord(channel: channel, seq: seq, timeMilliseconds: now,
                                                     expiresAtMilliseconds: expiresAtMilliseconds, type: kind.messageType, payload: payload))
                } catch {
                    throw PublishError(code: "storage_error", description: "the message could not be stored: \(error)")
                }
            }
            let message = StreamMessage(channel: channel, type: kind.messageType, seq: seq,
                                        frame: FrameEncoder.frame(opcode: .text, payload: payload),
                                        expiresAtMilliseconds: expiresAtMilliseconds, publishedAtNanoseconds: publishedAt)
            state.history.append(message, timeMilliseconds: now)
            table.states[channel] = state
            if kind == .tick { table.latestTicks[channel] = message }
            for context in contexts {
                let box = UncheckedBox(context)
                context.loop.execute { box.value.deliver(message) }
            }
            return seq
        }
    }

    /// For `since` recovery: what a client that saw `seq` on `channel` missed.
    public func messages(on channel: String, after seq: UInt64) -> HistoryLookup {
        channels.withLock { table in
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
