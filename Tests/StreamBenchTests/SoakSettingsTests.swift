@testable import StreamBench
import XCTest

final class SoakSettingsTests: XCTestCase {
    func parse(_ arguments: [String]) throws -> SoakSettings {
        var settings = SoakSettings(threads: 2)
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            let taken = try settings.take(flag) {
                guard let value = rest.popFirst() else { throw BenchSettings.SettingError("\(flag) needs a value") }
                return value
            }
            XCTAssertTrue(taken, "\(flag) is a soak option")
        }
        return settings
    }

    func testTheWarmupIsAThirdOfTheDurationUnlessGiven() throws {
        XCTAssertEqual(try parse(["--duration", "9m"]).thresholds.warmupSeconds, 180)
        XCTAssertEqual(try parse(["--duration", "9m", "--warmup", "10s"]).thresholds.warmupSeconds, 10)
    }

    func testEveryThresholdIsAFlag() throws {
        let settings = try parse(["--max-rss-slope", "0.5", "--rss-noise", "32", "--fd-tolerance", "0", "--connections", "10000",
                                  "--churn", "100", "--since-share", "1", "--publish-rate", "2", "--server-pid", "42"])
        XCTAssertEqual(settings.thresholds, SoakVerdict.Thresholds(warmupSeconds: 200, maxSlopeMiBPerMinute: 0.5, noiseMiB: 32, fdTolerance: 0))
        XCTAssertEqual(settings.connections, 10000)
        XCTAssertEqual(settings.churnPerSecond, 100)
        XCTAssertEqual(settings.sinceShare, 1)
        XCTAssertEqual(settings.publishRate, 2)
        XCTAssertEqual(settings.serverPID, 42)
    }

    func testBadValuesSayWhichFlag() {
        XCTAssertThrowsError(try parse(["--since-share", "1.5"])) { XCTAssertTrue("\($0)".contains("--since-share")) }
        XCTAssertThrowsError(try parse(["--churn", "-1"])) { XCTAssertTrue("\($0)".contains("--churn")) }
        XCTAssertThrowsError(try parse(["--channel", "tick:*"])) { XCTAssertTrue("\($0)".contains("--channel")) }
        XCTAssertThrowsError(try parse(["--server-pid", "0"])) { XCTAssertTrue("\($0)".contains("--server-pid")) }
    }

    func testTheEpochIsReadFromAStreamMessage() {
        let message = Array(#"{"type":"tick","channel":"tick:SOAK","seq":7,"epoch":"k3j9x0a1b2c3","timestamp":"t","data":{}}"#.utf8)
        XCTAssertEqual(SoakPool.epoch(in: message), "k3j9x0a1b2c3")
        XCTAssertNil(SoakPool.epoch(in: Array(#"{"type":"tick","seq":7}"#.utf8)))
    }
}
