import Base
import TextFormat

/// Where a client stands on one channel: the last seq it delivered, in the
/// numbering named by `epoch`. A seq means nothing without its epoch: when a
/// channel's numbering starts over (a non-durable channel after a restart, a
/// lost log, a Redis that lost its data) the server names a new epoch.
public struct StreamPosition: Sendable, Hashable {
    /// nil when the server sends no epochs (wire format 1.0).
    public var epoch: String?
    public var seq: UInt64

    public init(epoch: String?, seq: UInt64) {
        self.epoch = epoch
        self.seq = seq
    }
}

/// One value of a subscribe's `since` object.
public enum SinceValue: Sendable, Equatable, ExpressibleByIntegerLiteral {
    /// `N`: after seq N of whatever epoch is current. Only sent for positions
    /// learnt from a server without epochs; unsafe across restarts.
    case seq(UInt64)
    /// `{"seq": N, "epoch": "E"}` on an exact channel.
    case position(StreamPosition)
    /// On a pattern ending in `*`: `{"after": T, "seqs": {channel: {"seq","epoch"}}}`.
    /// `after` is the timestamp of the last message delivered on any matching
    /// channel, as the server wrote it.
    case pattern(after: String, seqs: [String: StreamPosition])

    public init(integerLiteral value: UInt64) { self = .seq(value) }

    /// The value as it goes into a `subscribe`.
    var jsonValue: JSONValue {
        switch self {
        case .seq(let seq):
            return .number(JSONNumber(literal: String(seq)))
        case .position(let position):
            return Self.positionValue(position)
        case .pattern(let after, let seqs):
            return .object(["after": .string(after), "seqs": .object(JSONObject(seqs.map { (key: $0.key, value: Self.positionValue($0.value)) }))])
        }
    }

    private static func positionValue(_ position: StreamPosition) -> JSONValue {
        var members: [JSONObject.Member] = [(key: "seq", value: .number(JSONNumber(literal: String(position.seq))))]
        if let epoch = position.epoch { members.append((key: "epoch", value: .string(epoch))) }
        return .object(JSONObject(members))
    }
}

/// The `subscribe` operation a client sends on every (re)connect.
public enum SubscribeRequest {
    /// Compact JSON with sorted keys; `since` is left out when empty.
    public static func json(id: String, channels: [String], since: [String: SinceValue]) -> String {
        var request: [JSONObject.Member] = [(key: "type", value: .string("subscribe")), (key: "id", value: .string(id)),
                                            (key: "channels", value: .strings(channels))]
        if !since.isEmpty {
            request.append((key: "since", value: .object(JSONObject(since.map { (key: $0.key, value: $0.value.jsonValue) }))))
        }
        return JSONValue.object(JSONObject(request)).serialized
    }
}
