/// One message of the demo market, ready to publish on `channel`.
public struct DemoEvent: Sendable, Equatable {
    /// `tick:<SYMBOL>`, `signal:<SYMBOL>`, `idea:<SYMBOL>`, `order:<account>`
    /// or `payload:<account>`.
    public let channel: String
    /// The message's `data`: a JSON object, already encoded.
    public let dataJSON: String
    /// How long the message stays actionable (signals and prepared payloads);
    /// nil for ticks, ideas and order updates.
    public let validForMilliseconds: Int64?

    public init(channel: String, dataJSON: String, validForMilliseconds: Int64? = nil) {
        self.channel = channel
        self.dataJSON = dataJSON
        self.validForMilliseconds = validForMilliseconds
    }

    /// The protocol's message `type` for this channel (section 4 of the wire
    /// contract): `tick`, `signal`, `idea`, `order_update` or
    /// `prepared_payload`.
    public var type: String {
        switch channel.prefix(while: { $0 != ":" }) {
        case "tick": "tick"
        case "signal": "signal"
        case "idea": "idea"
        case "order": "order_update"
        case "payload": "prepared_payload"
        default: String(channel.prefix(while: { $0 != ":" }))
        }
    }
}
