@testable import StreamBench
import XCTest

final class BenchSettingsTests: XCTestCase {
    /// Feeds `arguments` the way the command does: flags, each asking for its value.
    private func parse(_ arguments: [String]) throws -> BenchSettings {
        var settings = BenchSettings(threads: 2)
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            let taken = try settings.take(flag) {
                guard let value = rest.popFirst() else { throw BenchSettings.SettingError("\(flag) needs a value") }
                return value
            }
            if !taken { throw BenchSettings.SettingError("unknown option \(flag)") }
        }
        return settings
    }

    func testDefaultsMatchTheIssue() throws {
        let settings = try parse([])
        XCTAssertEqual(settings.scenario, .fanout)
        XCTAssertEqual(settings.subscribers, 1000)
        XCTAssertEqual(settings.channel, "tick:BENCH")
        XCTAssertEqual(settings.concurrency, 64)
        XCTAssertEqual(settings.connections, 10000)
        XCTAssertEqual(settings.threads, 2)
        XCTAssertFalse(settings.json)
    }

    func testEveryFlagLandsInItsField() throws {
        let settings = try parse(["--scenario", "ladder", "--subscribers", "20", "--channel", "tick:X", "--rate", "12.5",
                                  "--rates", "5,10,40", "--duration", "500ms", "--warmup", "0", "--concurrency", "8",
                                  "--connections", "2000", "--threads", "3", "--open-concurrency", "16", "--server-pid", "4242",
                                  "--max-p99", "20ms", "--min-delivery", "0.99", "--json", "--no-metrics"])
        XCTAssertEqual(settings.scenario, .ladder)
        XCTAssertEqual(settings.subscribers, 20)
        XCTAssertEqual(settings.channel, "tick:X")
        XCTAssertEqual(settings.rate, 12.5)
        XCTAssertEqual(settings.ladderRates, [5, 10, 40])
        XCTAssertEqual(settings.duration, 0.5)
        XCTAssertEqual(settings.warmup, 0)
        XCTAssertEqual(settings.concurrency, 8)
        XCTAssertEqual(settings.connections, 2000)
        XCTAssertEqual(settings.threads, 3)
        XCTAssertEqual(settings.openConcurrency, 16)
        XCTAssertEqual(settings.serverPID, 4242)
        XCTAssertEqual(settings.maximumP99Seconds, 0.02, accuracy: 1e-12)
        XCTAssertEqual(settings.minimumDeliveryRatio, 0.99)
        XCTAssertTrue(settings.json)
        XCTAssertFalse(settings.scrapeMetrics)
    }

    func testDurations() throws {
        XCTAssertEqual(try BenchSettings.seconds("--duration", "10"), 10)
        XCTAssertEqual(try BenchSettings.seconds("--duration", "10s"), 10)
        XCTAssertEqual(try BenchSettings.seconds("--duration", "250ms"), 0.25)
        XCTAssertEqual(try BenchSettings.seconds("--duration", "2m"), 120)
        XCTAssertEqual(try BenchSettings.seconds("--duration", "1.5s"), 1.5)
    }

    func testBadValuesAreRefusedNamingTheFlag() {
        let cases: [(String, [String], String)] = [
            ("zero subscribers", ["--subscribers", "0"], "--subscribers expects a positive whole number, got '0'"),
            ("a word for a count", ["--concurrency", "many"], "--concurrency expects a positive whole number, got 'many'"),
            ("negative rate", ["--rate", "-5"], "--rate expects a positive number, got '-5'"),
            ("unit-less garbage", ["--duration", "10h"], "--duration expects a duration such as 10s, 500ms or 2m, got '10h'"),
            ("zero duration", ["--duration", "0"], "--duration expects a duration such as 10s, 500ms or 2m, got '0'"),
            ("rates not increasing", ["--rates", "50,20"], "--rates must be increasing rates separated by commas, e.g. 50,100,200 (got '50,20')"),
            ("pattern channel", ["--channel", "tick:*"], "--channel must be one exact tick: channel, e.g. tick:BENCH (got 'tick:*')"),
            ("other kind", ["--channel", "order:x"], "--channel must be one exact tick: channel, e.g. tick:BENCH (got 'order:x')"),
            ("unknown scenario", ["--scenario", "soak"], "unknown scenario 'soak' (expected fanout, ladder, handshakes, idle)"),
            ("ratio above one", ["--min-delivery", "1.5"], "--min-delivery is a ratio up to 1, e.g. 0.999"),
            ("bad pid", ["--server-pid", "x"], "--server-pid expects a process id, got 'x'"),
        ]
        for (name, arguments, message) in cases {
            XCTAssertThrowsError(try parse(arguments), name) { error in
                XCTAssertEqual((error as? BenchSettings.SettingError)?.description, message, name)
            }
        }
    }

    func testFlagsThatAreNotOursAreLeftToTheCaller() throws {
        var settings = BenchSettings(threads: 1)
        var asked = false
        XCTAssertFalse(try settings.take("--token-file") { asked = true; return "x" })
        XCTAssertFalse(asked, "an unknown flag's value is not consumed")
    }
}
