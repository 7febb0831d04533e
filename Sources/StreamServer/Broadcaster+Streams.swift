import NetCore
import TextFormat

/// The five streams as the original backend services published them
/// (`broadcast_tick` and friends), typed. Each returns the message's seq and
/// epoch; `idempotencyKey` makes a retry safe (see `publish`).
extension Broadcaster {
    @discardableResult
    public func broadcastTick(symbol: String, bid: Double, ask: Double,
                              idempotencyKey: String? = nil) throws(PublishError) -> PublishReceipt {
        var data = JSONObjectWriter()
        data.string("symbol", symbol)
        data.number("bid", bid)
        data.number("ask", ask)
        data.number("spread", ask - bid)
        return try publish(channel: "tick:\(symbol)", dataJSON: data.json, idempotencyKey: idempotencyKey)
    }

    @discardableResult
    public func broadcastSignal(symbol: String, side: String, strength: Double, confidence: Double, model: String,
                                validUntilMilliseconds: Int64? = nil,
                              idempotencyKey: String? = nil) throws(PublishError) -> PublishReceipt {
        var data = JSONObjectWriter()
        data.string("symbol", symbol)
        data.string("side", side)
        data.number("strength", strength)
        data.number("confidence", confidence)
        data.string("model", model)
        if let validUntilMilliseconds { data.string("valid_until", RFC3339.format(milliseconds: validUntilMilliseconds)) }
        return try publish(channel: "signal:\(symbol)", dataJSON: data.json, expiresAtMilliseconds: validUntilMilliseconds, idempotencyKey: idempotencyKey)
    }

    @discardableResult
    public func broadcastOrderUpdate(account: String, orderID: String, symbol: String, side: String, status: String,
                                     volume: Double, price: Double,
                              idempotencyKey: String? = nil) throws(PublishError) -> PublishReceipt {
        var data = JSONObjectWriter()
        data.string("order_id", orderID)
        data.string("symbol", symbol)
        data.string("side", side)
        data.string("status", status)
        data.number("volume", volume)
        data.number("price", price)
        return try publish(channel: "order:\(account)", dataJSON: data.json, idempotencyKey: idempotencyKey)
    }

    @discardableResult
    public func broadcastIdea(symbol: String, direction: String, entry: Double, stop: Double, target: Double,
                              rationale: String,
                              idempotencyKey: String? = nil) throws(PublishError) -> PublishReceipt {
        var data = JSONObjectWriter()
        data.string("symbol", symbol)
        data.string("direction", direction)
        data.number("entry", entry)
        data.number("stop", stop)
        data.number("target", target)
        data.string("rationale", rationale)
        return try publish(channel: "idea:\(symbol)", dataJSON: data.json, idempotencyKey: idempotencyKey)
    }

    @discardableResult
    public func broadcastPreparedPayload(account: String, payloadID: String, symbol: String, side: String, volume: Double,
                                         entry: Double, sl: Double, tp: Double,
                                         validUntilMilliseconds: Int64? = nil,
                              idempotencyKey: String? = nil) throws(PublishError) -> PublishReceipt {
        var data = JSONObjectWriter()
        data.string("payload_id", payloadID)
        data.string("symbol", symbol)
        data.string("side", side)
        data.number("volume", volume)
        data.number("entry", entry)
        data.number("sl", sl)
        data.number("tp", tp)
        if let validUntilMilliseconds { data.string("valid_until", RFC3339.format(milliseconds: validUntilMilliseconds)) }
        return try publish(channel: "payload:\(account)", dataJSON: data.json, expiresAtMilliseconds: validUntilMilliseconds, idempotencyKey: idempotencyKey)
    }
}
