import TextFormat

/// The five kinds of demo message, with the fields of the wire contract's
/// section 4 (and a few more a dashboard can show).
extension DemoFeed {
    static let models = ["LSTM", "XGBoost", "Transformer", "SMC"]
    static let timeframes = ["M5", "M15", "H1", "H4"]

    /// One sentence per idea, in the vocabulary of Smart Money Concepts.
    static let rationales: [String: [String]] = [
        "buy": [
            "Sell-side liquidity swept below the Asian low, then reclaimed.",
            "Retest of a bullish order block after a break of structure.",
            "Price is filling a fair value gap inside the discount zone.",
            "Change of character on the lower timeframe at higher-timeframe demand.",
        ],
        "sell": [
            "Buy-side liquidity swept above the previous high, then rejected.",
            "Retest of a bearish order block after a break of structure.",
            "Price is filling a fair value gap inside the premium zone.",
            "Change of character on the lower timeframe at higher-timeframe supply.",
        ],
    ]

    mutating func tick(_ index: Int) -> DemoEvent {
        market[index].tick(&random)
        let symbol = market[index]
        var data = JSONObjectWriter()
        data.string("symbol", symbol.name)
        data.fixed("bid", symbol.bid, decimals: symbol.decimals)
        data.fixed("ask", symbol.ask, decimals: symbol.decimals)
        data.fixed("spread", symbol.ask - symbol.bid, decimals: symbol.decimals)
        return DemoEvent(channel: "tick:\(symbol.name)", dataJSON: data.json)
    }

    mutating func signal(_ index: Int) -> DemoEvent {
        let symbol = market[index]
        var data = JSONObjectWriter()
        data.string("symbol", symbol.name)
        data.string("side", random.chance(0.5) ? "buy" : "sell")
        data.fixed("strength", random.int64(in: 20...100), decimals: 2)
        data.fixed("confidence", random.int64(in: 500...990), decimals: 1)
        data.string("model", random.pick(Self.models))
        data.string("timeframe", random.pick(Self.timeframes))
        return DemoEvent(channel: "signal:\(symbol.name)", dataJSON: data.json, validForMilliseconds: 30_000)
    }

    /// An SMC idea: entry a little into a pullback from the mid, a stop beyond
    /// it and a target 1.5 to 3 times as far on the other side.
    mutating func idea(_ index: Int) -> DemoEvent {
        let symbol = market[index]
        let side = random.chance(0.5) ? "buy" : "sell"
        let sign: Int64 = side == "buy" ? 1 : -1
        let stopDistance = Int64(random.int(in: symbol.stopDistance))
        let pullback = random.int64(in: 0...(symbol.stopDistance.lowerBound / 4))
        let rewardRatio = random.int64(in: 150...300)   // hundredths
        let entry = symbol.mid - sign * pullback
        var data = JSONObjectWriter()
        data.string("symbol", symbol.name)
        data.string("direction", side)
        data.fixed("entry", entry, decimals: symbol.decimals)
        data.fixed("stop", entry - sign * stopDistance, decimals: symbol.decimals)
        data.fixed("target", entry + sign * stopDistance * rewardRatio / 100, decimals: symbol.decimals)
        data.fixed("risk_reward", rewardRatio, decimals: 2)
        data.string("timeframe", random.pick(Self.timeframes))
        data.string("rationale", random.pick(Self.rationales[side]!))
        return DemoEvent(channel: "idea:\(symbol.name)", dataJSON: data.json)
    }

    /// A new order at the last quote. An order of 0.01 lots cannot fill in
    /// part, so it is always one that gets cancelled.
    mutating func newOrder(_ account: Int, at time: Int64) -> OrderInFlight {
        serial += 1
        let symbolIndex = random.int(in: 0...(market.count - 1))
        let symbol = market[symbolIndex]
        let side = random.chance(0.5) ? "buy" : "sell"
        let volume = random.int64(in: 1...100)
        let willFill = volume > 1 && random.chance(0.75)
        return OrderInFlight(
            id: "ORD_\(time)_\(serial)", account: account, symbol: symbolIndex, side: side,
            volume: volume, price: side == "buy" ? symbol.ask : symbol.bid, willFill: willFill)
    }

    func orderUpdate(_ order: OrderInFlight) -> DemoEvent {
        let symbol = market[order.symbol]
        let account = Self.accounts[order.account]
        var data = JSONObjectWriter()
        data.string("order_id", order.id)
        data.string("account", account)
        data.string("symbol", symbol.name)
        data.string("side", order.side)
        data.string("status", order.status.rawValue)
        data.fixed("volume", order.volume, decimals: 2)
        data.fixed("price", order.price, decimals: symbol.decimals)
        data.fixed("filled_volume", order.filledVolume, decimals: 2)
        return DemoEvent(channel: "order:\(account)", dataJSON: data.json)
    }

    /// A ready-to-send trade at the last quote, with stop and take-profit.
    mutating func payload(_ account: Int, at time: Int64) -> DemoEvent {
        serial += 1
        let accountName = Self.accounts[account]
        let symbol = market[random.int(in: 0...(market.count - 1))]
        let side = random.chance(0.5) ? "buy" : "sell"
        let sign: Int64 = side == "buy" ? 1 : -1
        let entry = side == "buy" ? symbol.ask : symbol.bid
        let stopDistance = Int64(random.int(in: symbol.stopDistance))
        let rewardRatio = random.int64(in: 150...300)
        var data = JSONObjectWriter()
        data.string("payload_id", "PAY_\(time)_\(serial)")
        data.string("account", accountName)
        data.string("symbol", symbol.name)
        data.string("side", side)
        data.fixed("volume", random.int64(in: 1...100), decimals: 2)
        data.fixed("entry", entry, decimals: symbol.decimals)
        data.fixed("sl", entry - sign * stopDistance, decimals: symbol.decimals)
        data.fixed("tp", entry + sign * stopDistance * rewardRatio / 100, decimals: symbol.decimals)
        data.string("model", random.pick(Self.models))
        return DemoEvent(channel: "payload:\(accountName)", dataJSON: data.json, validForMilliseconds: 60_000)
    }
}
