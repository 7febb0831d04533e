import Foundation

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

    /// The value as a JSONSerialization object.
    var jsonObject: Any {
        switch self {
        case .seq(let seq):
            return NSNumber(value: seq)
        case .position(let position):
            return Self.positionObject(position)
        case .pattern(let after, let seqs):
            return ["after": after, "seqs": seqs.mapValues(Self.positionObject)] as [String: Any]
        }
    }

    private static func positionObject(_ position: StreamPosition) -> Any {
        var object: [String: Any] = ["seq": NSNumber(value: position.seq)]
        if let epoch = position.epoch { object["epoch"] = epoch }
        return object
    }
}

/// The `subscribe` operation a client sends on every (re)connect.
public enum SubscribeRequest {
    /// Compact JSON with sorted keys; `since` is left out when empty.
    public static func json(id: String, channels: [String], since: [String: SinceValue]) -> String {
        var request: [String: Any] = ["type": "subscribe", "id": id, "channels": channels]
        if !since.isEmpty { request["since"] = since.mapValues(\.jsonObject) }
        // Strings, numbers, arrays and objects only: serialization cannot fail.
        let bytes = try! JSONSerialization.data(withJSONObject: request, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: bytes, as: UTF8.self)
    }
}
