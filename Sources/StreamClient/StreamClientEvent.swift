public import Base
public import Foundation
public import TextFormat

/// One message from the server, parsed once: the envelope fields, with the
/// raw JSON text kept for callers that want to decode `data` their own way.
public struct StreamMessage: Sendable, Equatable {
    public let type: String
    public let channel: String?
    public let seq: UInt64?
    /// The numbering `seq` belongs to; nil from a server without epochs.
    public let epoch: String?
    public let timestamp: String?
    /// The request `id` echoed by the server, as JSON text (`3`, `"abc"`).
    public let id: String?
    /// The whole message as received.
    public let json: String

    /// Parses a server text message; nil when it is not a JSON object with a string `type`.
    public init?(json: String) {
        guard let object = StreamMessage.parse(json), let type = object["type"]?.stringValue else { return nil }
        self.type = type
        self.channel = object["channel"]?.stringValue
        self.seq = object["seq"]?.numberValue.flatMap { UInt64($0.literal) }
        self.epoch = object["epoch"]?.stringValue
        self.timestamp = object["timestamp"]?.stringValue
        self.id = object["id"].flatMap(StreamMessage.jsonText)
        self.json = json
    }

    private static func parse(_ json: String) -> JSONObject? {
        (try? JSONReader.parse(Array(json.utf8), maximumDepth: JSONReader.defaultMaximumDepth, allowingByteOrderMark: true))?.objectValue
    }

    /// The whole message, members in the order the server wrote them.
    public var value: JSONObject { Self.parse(json) ?? [:] }

    /// The message's `data` object.
    public var dataValue: JSONObject { value["data"]?.objectValue ?? [:] }

    /// The whole message as a dictionary of Foundation values (`NSNumber`, `NSNull`, ...).
    public var object: [String: Any] { JSONValue.object(value).foundationObject as? [String: Any] ?? [:] }

    /// The message's `data` object, as Foundation values.
    public var data: [String: Any] { JSONValue.object(dataValue).foundationObject as? [String: Any] ?? [:] }

    /// The `data` object as compact JSON text (keys sorted, numbers as the server wrote them).
    public var dataJSON: String { JSONValue.object(dataValue).serialized }

    /// A stream message carries a channel and a sequence number; replies to
    /// operations (`ack`, `subscribed`, `error`, ...) do not.
    public var isStreamMessage: Bool { channel != nil && seq != nil }

    static func jsonText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let string): JSONStringEscaper.quoted(string)
        case .number(let number): number.literal
        default: nil
        }
    }
}

/// The server's first message on a session.
public struct StreamWelcome: Sendable, Equatable {
    public let session: String
    public let subject: String
    public let expiresAt: String?
    public let heartbeatSeconds: Double?
    /// The patterns this token may subscribe to.
    public let channels: [String]
    /// permessage-deflate as agreed in this session's upgrade; nil when the
    /// server declined (or the client did not offer it).
    public var compression: NegotiatedCompression? = nil
}

/// The answer to the client's subscribe on a (re)connect.
public struct SubscriptionResult: Sendable, Equatable {
    public let granted: [String]
    /// (channel, reason): `forbidden` or `invalid_channel`.
    public let denied: [Denial]

    public struct Denial: Sendable, Equatable {
        public let channel: String
        public let reason: String
    }
}

/// What a `StreamConnection` reports, in order.
public enum StreamClientEvent: Sendable {
    /// A session is open (welcome read); subscriptions follow.
    case connected(StreamWelcome)
    /// The server's answer to the (re)subscribe.
    case subscribed(SubscriptionResult)
    /// A stream message, each (channel, epoch, seq) at most once and in order.
    case message(StreamMessage)
    /// A reply to an operation sent with `send(json:)` (`ack`, `error`, `refreshed`, ...).
    case reply(StreamMessage)
    /// Every `recovery_failed` notice, as the server sent it: what was missed
    /// cannot (all) be handed over; what follows starts at `replayFrom`.
    case recoveryFailed(RecoveryFailure)
    /// A channel's numbering started over, once per change, before the first
    /// message of the new epoch: state the application keyed by seq on that
    /// channel is stale. Preceded by `.recoveryFailed` when the server
    /// announced it (`source == .recoveryFailed`).
    case epochChanged(EpochChange)
    /// The connection ended; `willRetryIn` is the delay before the next
    /// attempt, nil when the client stops.
    case disconnected(reason: String, willRetryIn: Double?)
    /// The client gave up (or was stopped); nothing follows.
    case stopped(reason: String)
}
