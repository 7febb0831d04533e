import Base
import DemoFeed
import XCTest

final class DemoFeedTests: XCTestCase {
    /// Section 4 of the wire contract: the fields each kind carries at least.
    static let requiredFields: [String: [String]] = [
        "tick": ["symbol", "bid", "ask", "spread"],
        "signal": ["symbol", "side", "strength", "confidence", "model"],
        "order": ["order_id", "symbol", "side", "status", "volume", "price", "filled_volume"],
        "idea": ["symbol", "direction", "entry", "stop", "target", "rationale"],
        "payload": ["payload_id", "symbol", "side", "volume", "entry", "sl", "tp"],
    ]
    static let decimals = ["EURUSD": 5, "GBPUSD": 5, "USDJPY": 3, "XAUUSD": 2]
    static let start: Int64 = 1_704_110_400_000

    /// Drives a feed in `step`-millisecond calls for `seconds`.
    private func run(seed: UInt64, seconds: Int64, step: Int64 = 100) -> [DemoEvent] {
        var feed = DemoFeed(seed: seed)
        var events: [DemoEvent] = []
        var now = Self.start
        while now <= Self.start + seconds * 1_000 {
            events += feed.events(upTo: now)
            now += step
        }
        return events
    }

    private func kind(_ event: DemoEvent) -> String {
        String(event.channel.prefix { $0 != ":" })
    }

    private func fields(_ event: DemoEvent, file: StaticString = #filePath, line: UInt = #line) -> JSONObject {
        guard let object = FeedJSON.parse(event.dataJSON)?.object else {
            XCTFail("not a JSON object: \(event.dataJSON)", file: file, line: line)
            return [:]
        }
        return object
    }

    func testSameSeedReplaysTheSameMarket() {
        let first = run(seed: 42, seconds: 60)
        XCTAssertEqual(first, run(seed: 42, seconds: 60))
        XCTAssertNotEqual(first, run(seed: 43, seconds: 60))
    }

    func testEventsDoNotDependOnHowTheCallerStepsTime() {
        XCTAssertEqual(run(seed: 7, seconds: 30, step: 100), run(seed: 7, seconds: 30, step: 1_000))
    }

    func testAllFiveKindsAppearWithin30SecondsForEverySymbolAndAccount() {
        let channels = Set(run(seed: 1, seconds: 30).map(\.channel))
        for symbol in DemoFeed.symbols {
            for kind in ["tick", "signal", "idea"] {
                XCTAssertTrue(channels.contains("\(kind):\(symbol)"), "no \(kind) for \(symbol)")
            }
        }
        for account in DemoFeed.accounts {
            XCTAssertTrue(channels.contains("order:\(account)"), "no order update for \(account)")
            XCTAssertTrue(channels.contains("payload:\(account)"), "no payload for \(account)")
        }
    }

    func testRatesAreNearTheAdvertisedOnes() {
        let events = run(seed: 5, seconds: 120)
        func perSecond(_ channel: String) -> Double {
            Double(events.filter { $0.channel == channel }.count) / 120
        }
        XCTAssertEqual(perSecond("tick:EURUSD"), 4, accuracy: 0.5)
        XCTAssertEqual(perSecond("signal:GBPUSD"), 1.0 / 3, accuracy: 0.1)
        XCTAssertEqual(perSecond("idea:XAUUSD"), 1.0 / 7, accuracy: 0.05)
        XCTAssertEqual(perSecond("payload:demo-1"), 1.0 / 10, accuracy: 0.04)
        let newOrders = events.filter { $0.channel == "order:demo-2" && $0.dataJSON.contains(#""status":"new""#) }
        XCTAssertEqual(Double(newOrders.count) / 120, 1.0 / 5, accuracy: 0.06)
    }

    func testEveryPayloadIsAJSONObjectWithItsKindsFields() {
        for event in run(seed: 9, seconds: 60) {
            let data = fields(event)
            for field in Self.requiredFields[kind(event)] ?? ["(unknown kind)"] {
                XCTAssertNotNil(data[field], "\(event.channel) lacks \(field): \(event.dataJSON)")
            }
            // The channel names the symbol or the account the data is about.
            let subject = String(event.channel.drop { $0 != ":" }.dropFirst())
            if ["tick", "signal", "idea"].contains(kind(event)) {
                XCTAssertEqual(data["symbol"]?.string, subject)
            } else {
                XCTAssertEqual(data["account"]?.string, subject)
            }
        }
    }

    func testTypesAndValidityFollowTheChannel() {
        let events = run(seed: 9, seconds: 30)
        let expected: [String: (type: String, valid: Int64?)] = [
            "tick": ("tick", nil), "signal": ("signal", 30_000), "idea": ("idea", nil),
            "order": ("order_update", nil), "payload": ("prepared_payload", 60_000),
        ]
        for event in events {
            XCTAssertEqual(event.type, expected[kind(event)]?.type)
            XCTAssertEqual(event.validForMilliseconds, expected[kind(event)]?.valid, event.channel)
        }
    }

    func testTicksHaveBidBelowAskAndAConsistentSpread() {
        for event in run(seed: 3, seconds: 120) where kind(event) == "tick" {
            let data = fields(event)
            let symbol = data["symbol"]!.string!
            let places = Self.decimals[symbol]!
            let bid = units(data["bid"]!.numberText!, places: places)
            let ask = units(data["ask"]!.numberText!, places: places)
            let spread = units(data["spread"]!.numberText!, places: places)
            XCTAssertLessThan(bid, ask, event.dataJSON)
            XCTAssertEqual(ask - bid, spread, event.dataJSON)
        }
    }

    func testPricesAndSpreadsAreRealistic() {
        let ranges: [String: (mid: ClosedRange<Double>, spread: ClosedRange<Double>)] = [
            "EURUSD": (1.03...1.14, 0.00006...0.00015),
            "GBPUSD": (1.20...1.34, 0.00009...0.00020),
            "USDJPY": (142...157, 0.008...0.018),
            "XAUUSD": (1930...2130, 0.2...0.5),
        ]
        for event in run(seed: 11, seconds: 300) where kind(event) == "tick" {
            let data = fields(event)
            let range = ranges[data["symbol"]!.string!]!
            XCTAssertTrue(range.mid.contains(Double(data["bid"]!.numberText!)!), event.dataJSON)
            // A hair of slack: 0.00006 as a Double may sit just below the bound.
            let spread = Double(data["spread"]!.numberText!)!
            XCTAssertTrue(range.spread.lowerBound * 0.999 <= spread && spread <= range.spread.upperBound * 1.001, event.dataJSON)
        }
    }

    func testNumbersUseTheSymbolsDecimals() {
        for event in run(seed: 4, seconds: 60) {
            let data = fields(event)
            guard let symbol = data["symbol"]?.string, let places = Self.decimals[symbol] else { continue }
            for field in ["bid", "ask", "spread", "price", "entry", "stop", "target", "sl", "tp"] {
                guard let text = data[field]?.numberText else { continue }
                XCTAssertEqual(text.split(separator: ".").last?.count, places, "\(field) in \(event.dataJSON)")
            }
            for field in ["volume", "filled_volume"] {
                guard let text = data[field]?.numberText else { continue }
                XCTAssertEqual(text.split(separator: ".").last?.count, 2, "\(field) in \(event.dataJSON)")
            }
        }
    }

    func testSignalsIdeasAndPayloadsAreSensible() {
        let models: Set = ["LSTM", "XGBoost", "Transformer", "SMC"]
        for event in run(seed: 8, seconds: 120) {
            let data = fields(event)
            switch kind(event) {
            case "signal":
                XCTAssertTrue(["buy", "sell"].contains(data["side"]!.string!))
                XCTAssertTrue((0...1).contains(Double(data["strength"]!.numberText!)!))
                XCTAssertTrue((50...99).contains(Double(data["confidence"]!.numberText!)!))
                XCTAssertTrue(models.contains(data["model"]!.string!))
            case "idea":
                assertStopAndTarget(data, side: "direction", entry: "entry", stop: "stop", target: "target")
                XCTAssertFalse(data["rationale"]!.string!.isEmpty)
            case "payload":
                assertStopAndTarget(data, side: "side", entry: "entry", stop: "sl", target: "tp")
                XCTAssertTrue(data["payload_id"]!.string!.hasPrefix("PAY_"))
                XCTAssertTrue((0.01...1.0).contains(Double(data["volume"]!.numberText!)!))
            default:
                break
            }
        }
    }

    private func assertStopAndTarget(_ data: JSONObject, side: String, entry: String, stop: String, target: String) {
        let entryPrice = Double(data[entry]!.numberText!)!
        let stopPrice = Double(data[stop]!.numberText!)!
        let targetPrice = Double(data[target]!.numberText!)!
        switch data[side]!.string! {
        case "buy":
            XCTAssertTrue(stopPrice < entryPrice && entryPrice < targetPrice, "\(data)")
        case "sell":
            XCTAssertTrue(targetPrice < entryPrice && entryPrice < stopPrice, "\(data)")
        default:
            XCTFail("side \(data[side]!)")
        }
        // A sensible stop: between a tenth and two percent of the price.
        let distance = abs(entryPrice - stopPrice) / entryPrice
        XCTAssertTrue((0.001...0.02).contains(distance), "\(data)")
        let reward = abs(targetPrice - entryPrice) / abs(entryPrice - stopPrice)
        XCTAssertTrue((1.45...3.05).contains(reward), "\(data)")
    }

    func testOrdersFollowAValidLifecycle() {
        var statuses: [String: [String]] = [:]
        var volumes: [String: Set<String>] = [:]
        for event in run(seed: 12, seconds: 300) where kind(event) == "order" {
            let data = fields(event)
            let id = data["order_id"]!.string!
            XCTAssertNotNil(id.wholeMatch(of: /ORD_\d+_\d+/), id)
            statuses[id, default: []].append(data["status"]!.string!)
            volumes[id, default: []].insert(data["volume"]!.numberText!)
            let volume = Double(data["volume"]!.numberText!)!
            let filled = Double(data["filled_volume"]!.numberText!)!
            XCTAssertTrue((0.01...1.0).contains(volume))
            switch data["status"]!.string! {
            case "new", "cancelled": XCTAssertEqual(filled, 0)
            case "partially_filled": XCTAssertTrue(filled > 0 && filled < volume, "\(data)")
            case "filled": XCTAssertEqual(filled, volume)
            default: XCTFail("status in \(event.dataJSON)")
            }
        }
        XCTAssertGreaterThan(statuses.count, 50)
        let complete = [["new", "partially_filled", "filled"], ["new", "cancelled"]]
        var seenPaths: Set<[String]> = []
        for (id, path) in statuses {
            XCTAssertEqual(volumes[id]?.count, 1, "\(id) changed volume")
            // An order still open when the run ended has a prefix of a path.
            XCTAssertTrue(complete.contains { $0.starts(with: path) }, "\(id): \(path)")
            if complete.contains(path) { seenPaths.insert(path) }
        }
        XCTAssertEqual(seenPaths.count, 2, "both lifecycles occur")
    }

    func testAskingForTheSameTimeTwiceReturnsNothingTheSecondTime() {
        var feed = DemoFeed(seed: 2)
        let opening = feed.events(upTo: Self.start)
        XCTAssertEqual(Set(opening.map(\.channel)), Set(DemoFeed.symbols.map { "tick:\($0)" }), "opening quotes")
        XCTAssertEqual(feed.events(upTo: Self.start), [])
        XCTAssertFalse(feed.events(upTo: Self.start + 1_000).isEmpty)
        XCTAssertEqual(feed.events(upTo: Self.start + 1_000), [])
        XCTAssertEqual(feed.events(upTo: Self.start + 500), [], "time going backwards yields nothing")
    }

    func testAnHourLongPauseCatchesUpOnAtMostTwoSeconds() {
        var feed = DemoFeed(seed: 6)
        _ = feed.events(upTo: Self.start)
        _ = feed.events(upTo: Self.start + 10_000)
        let resumed = feed.events(upTo: Self.start + 10_000 + 3_600_000)
        // Two seconds: about 8 ticks per symbol plus a few slower events.
        XCTAssertGreaterThan(resumed.count, 0)
        XCTAssertLessThanOrEqual(resumed.count, 4 * 15 + 4 * 2 + 4 + 2 * 3 + 2)
        for symbol in DemoFeed.symbols {
            XCTAssertLessThanOrEqual(resumed.filter { $0.channel == "tick:\(symbol)" }.count, 15)
        }
        // And the market then carries on at its usual pace.
        let next = feed.events(upTo: Self.start + 10_000 + 3_600_000 + 1_000)
        XCTAssertLessThanOrEqual(next.count, 4 * 8 + 10)
    }

    func testTextIsEscapedJSON() {
        // Every dataJSON, rationales included, must parse; a stray quote or
        // control character would not.
        let events = run(seed: 13, seconds: 120)
        XCTAssertFalse(events.isEmpty)
        for event in events {
            XCTAssertNotNil(FeedJSON.parse(event.dataJSON), event.dataJSON)
        }
        XCTAssertEqual(FeedJSON.parse(#"{"a":"x\"y\\z\n","b":1.50}"#), .object(["a": .string("x\"y\\z\n"), "b": .number(JSONNumber(literal: "1.50"))]))
        XCTAssertNil(FeedJSON.parse(#"{"a":"x"y"}"#))
    }

    /// A fixed-decimal number as integer units, without binary rounding.
    private func units(_ text: String, places: Int) -> Int64 {
        let parts = text.split(separator: ".")
        XCTAssertEqual(parts.count, 2, text)
        XCTAssertEqual(parts[1].count, places, text)
        return Int64(parts[0] + parts[1])!
    }
}
