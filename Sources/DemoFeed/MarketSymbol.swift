import Base

/// One instrument of the demo market, in integer points (units of its last
/// quoted decimal), and its current mid price.
struct MarketSymbol: Sendable {
    let name: String
    /// Quoted decimals: 5 for EURUSD and GBPUSD, 3 for USDJPY, 2 for XAUUSD.
    let decimals: Int
    /// Where the walk starts and what it is pulled back to, so an all-day demo
    /// stays near believable prices.
    let anchor: Int64
    /// Bid–ask spread, in points.
    let spread: ClosedRange<Int>
    /// Standard deviation of one tick's move, in points.
    let volatility: Double
    /// Stop distance for ideas and payloads, in points.
    let stopDistance: ClosedRange<Int>

    private(set) var mid: Int64
    /// The last quote sent, which orders and payloads trade at.
    private(set) var bid: Int64
    private(set) var ask: Int64

    init(
        _ name: String, decimals: Int, anchor: Int64, spread: ClosedRange<Int>, volatility: Double,
        stopDistance: ClosedRange<Int>
    ) {
        self.name = name
        self.decimals = decimals
        self.anchor = anchor
        self.spread = spread
        self.volatility = volatility
        self.stopDistance = stopDistance
        self.mid = anchor
        self.bid = anchor - Int64(spread.lowerBound / 2)
        self.ask = bid + Int64(spread.lowerBound)
    }

    /// The demo's instruments, in `DemoFeed.symbols` order.
    static let all: [MarketSymbol] = [
        // Pip 0.0001 = 10 points; spread 0.6–1.5 pips; stops 15–40 pips.
        MarketSymbol("EURUSD", decimals: 5, anchor: 108_500, spread: 6...15, volatility: 2, stopDistance: 150...400),
        // Cable is a little wider and livelier than EURUSD.
        MarketSymbol("GBPUSD", decimals: 5, anchor: 127_000, spread: 9...20, volatility: 2.5, stopDistance: 200...500),
        // Pip 0.01 = 10 points; spread 0.8–1.8 pips; stops 15–40 pips.
        MarketSymbol("USDJPY", decimals: 3, anchor: 149_500, spread: 8...18, volatility: 3, stopDistance: 150...400),
        // Gold in cents: spread 0.20–0.50, stops 4–12 dollars.
        MarketSymbol("XAUUSD", decimals: 2, anchor: 203_000, spread: 20...50, volatility: 15, stopDistance: 400...1200),
    ]

    /// Moves the market one tick: the mid takes a small random step plus a
    /// gentle pull back towards the anchor (a mean-reverting walk), and a
    /// fresh spread is drawn around it. bid < ask because every spread range
    /// starts above zero.
    mutating func tick(_ random: inout SplitMix64) {
        let pull = Double(anchor - mid) * 0.0002
        let move = random.bell() * volatility + pull
        // Round half away from zero by hand: `rounded()` would pull in libm.
        mid += Int64(move + (move < 0 ? -0.5 : 0.5))
        let width = Int64(random.int(in: spread))
        bid = mid - width / 2
        ask = bid + width
    }

    func format(_ points: Int64) -> String {
        FixedPoint.format(points, decimals: decimals)
    }
}
