/// The five streams. The kind is the part of a channel name before `:`.
public enum ChannelKind: String, Sendable, CaseIterable {
    case tick, signal, order, idea, payload

    /// The `type` of messages on this kind of channel (contract section 4).
    public var messageType: String {
        switch self {
        case .tick: "tick"
        case .signal: "signal"
        case .order: "order_update"
        case .idea: "idea"
        case .payload: "prepared_payload"
        }
    }

    /// `order:` and `payload:` belong to one subject each.
    public var isPrivate: Bool { self == .order || self == .payload }

    public init?(channel: String) {
        guard let colon = channel.firstIndex(of: ":") else { return nil }
        self.init(rawValue: String(channel[..<colon]))
    }
}
