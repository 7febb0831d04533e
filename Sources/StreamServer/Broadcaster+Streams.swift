import NetCore
import WebSocket

/// The five streams as the original backend services published them
/// (`broadcast_tick` and friends), typed. Each returns the message's seq.
extension Broadcaster {
    @discardableResult
    public func broadcastTick(symbol: String, bid: Double, ask: Double) throws(PublishError) -> UInt64 {
        let spread = ask - bid
        return try publish(channel: "tick:\(symbol)", dataJSON: JSONObject()
            .string("symbol", symbol).number("bid", bid).number("ask", ask).number("spread", spread).text)
    }

    @discardableResult
    public func broadcastSignal(symbol: String, side: String, strength: Double, confidence: Double, model: String,
                                validUntilMilliseconds: Int64? = nil) throws(PublishError) -> UInt64 {
        var object = JSONObject().string("symbol", symbol).string("side", side)
            .number("strength", strength).number("confidence", confidence).string("model", model)
        if let validUntilMilliseconds { object = object.string("valid_until", Timestamp.rfc3339(milliseconds: validUntilMilliseconds)) }
        return try publish(channel: "signal:\(symbol)", dataJSON: object.text, expiresAtMilliseconds: validUntilMilliseconds)
    }

    @discardableResult
    public func broadcastOrderUpdate(account: String, orderID: String, symbol: String, side: String, status: String,
                                     volume: Double, price: Double) throws(PublishError) -> UInt64 {
        try publish(channel: "order:\(account)", dataJSON: JSONObject()
            .string("order_id", orderID).string("symbol", symbol).string("side", side).string("status", status)
            .number("volume", volume).number("price", price).text)
    }

    @discardableResult
    public func broadcastIdea(symbol: String, direction: String, entry: Double, stop: Double, target: Double,
                              rationale: String) throws(PublishError) -> UInt64 {
        try publish(channel: "idea:\(symbol)", dataJSON: JSONObject()
            .string("symbol", symbol).string("direction", direction).number("entry", entry).number("stop", stop)
            .number("target", target).string("rationale", rationale).text)
    }

    @discardableResult
    public func broadcastPreparedPayload(account: String, payloadID: String, symbol: String, side: String, volume: Double,
                                         entry: Double, sl: Double, tp: Double,
                                         validUntilMilliseconds: Int64? = nil) throws(PublishError) -> UInt64 {
        var object = JSONObject().string("payload_id", payloadID).string("symbol", symbol).string("side", side)
            .number("volume", volume).number("entry", entry).number("sl", sl).number("tp", tp)
        if let validUntilMilliseconds { object = object.string("valid_until", Timestamp.rfc3339(milliseconds: validUntilMilliseconds)) }
        return try publish(channel: "payload:\(account)", dataJSON: object.text, expiresAtMilliseconds: validUntilMilliseconds)
    }
}

/// A JSON object written field by field (keys are ours; values escaped).
struct JSONObject {
    private(set) var text = "{}"

    func string(_ key: String, _ value: String) -> JSONObject { adding(key, JSONStringEscaper.quoted(value)) }
    func number(_ key: String, _ value: Double) -> JSONObject {
        adding(key, value.isFinite ? (value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)) : "null")
    }

    private func adding(_ key: String, _ json: String) -> JSONObject {
        var copy = self
        copy.text.removeLast()
        copy.text += (copy.text.count > 1 ? "," : "") + "\"\(key)\":\(json)}"
        return copy
    }
}
