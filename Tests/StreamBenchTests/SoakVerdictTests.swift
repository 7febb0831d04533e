@testable import StreamBench
import XCTest

final class SoakVerdictTests: XCTestCase {
    let mib = 1024.0 * 1024.0

    /// One sample every 10 s for 10 minutes: `base` MiB plus `rise(t)` MiB.
    func series(_ rise: (Double) -> Double, base: Double = 100) -> [SoakVerdict.RSSPoint] {
        stride(from: 0.0, through: 600, by: 10).map { .init(seconds: $0, bytes: (base + rise($0)) * mib) }
    }

    func testGrowthDuringTheWarmupThenAPlateauPasses() {
        let verdict = SoakVerdict(rss: series { min($0, 120) / 2 }, fdsBefore: 20, fdsAfter: 20,
                                  thresholds: .init(warmupSeconds: 150))
        XCTAssertTrue(verdict.passed, "\(verdict.failures)")
        XCTAssertEqual(verdict.slopeMiBPerMinute ?? -1, 0, accuracy: 1e-9)
        XCTAssertEqual(verdict.samplesAfterWarmup, 46)
    }

    func testSteadyGrowthAfterTheWarmupFails() {
        // 3 MiB a minute: 22.5 MiB over the 7.5 minutes after the warm-up.
        let verdict = SoakVerdict(rss: series { $0 / 20 }, fdsBefore: 20, fdsAfter: 20, thresholds: .init(warmupSeconds: 150))
        XCTAssertFalse(verdict.passed)
        XCTAssertEqual(verdict.slopeMiBPerMinute ?? 0, 3, accuracy: 1e-9)
        XCTAssertEqual(verdict.fittedRiseMiB ?? 0, 22.5, accuracy: 1e-9)
        XCTAssertTrue(verdict.failures[0].hasPrefix("RSS keeps growing after the warm-up: 3 MiB/min"), verdict.failures[0])
    }

    func testASteepButSmallRiseIsNoise() {
        // 30 s after a 10 s warm-up, 3 MiB up: 6 MiB/min, but under the 8 MiB allowance.
        let points = stride(from: 0.0, through: 40, by: 2).map { SoakVerdict.RSSPoint(seconds: $0, bytes: (50 + $0 / 10) * mib) }
        let verdict = SoakVerdict(rss: points, fdsBefore: 10, fdsAfter: 10, thresholds: .init(warmupSeconds: 10))
        XCTAssertTrue(verdict.passed, "\(verdict.failures)")
        XCTAssertEqual(verdict.slopeMiBPerMinute ?? 0, 6, accuracy: 1e-9)
        XCTAssertEqual(verdict.fittedRiseMiB ?? 0, 3, accuracy: 1e-9)
    }

    func testAGentleSlopeUnderTheLimitPassesHoweverLong() {
        let verdict = SoakVerdict(rss: series { $0 / 60 }, fdsBefore: 20, fdsAfter: 20, thresholds: .init(warmupSeconds: 0))
        XCTAssertTrue(verdict.passed, "1 MiB/min is under the 2 MiB/min default: \(verdict.failures)")
    }

    func testOneSpikeDoesNotMakeATrend() {
        let points = series { $0 == 590 ? 40 : 0 }
        let verdict = SoakVerdict(rss: points, fdsBefore: 20, fdsAfter: 20, thresholds: .init(warmupSeconds: 200))
        XCTAssertTrue(verdict.passed, "\(verdict.failures)")
    }

    func testTooFewSamplesAfterTheWarmupFailsWithAHint() {
        let points = [SoakVerdict.RSSPoint(seconds: 0, bytes: mib), .init(seconds: 30, bytes: mib)]
        let verdict = SoakVerdict(rss: points, fdsBefore: 5, fdsAfter: 5, thresholds: .init(warmupSeconds: 20))
        XCTAssertEqual(verdict.failures.count, 1)
        XCTAssertTrue(verdict.failures[0].contains("only 1 RSS samples"), verdict.failures[0])
        XCTAssertNil(verdict.slopeMiBPerMinute)
    }

    func testDescriptorsWithinTheToleranceAreNotALeak() {
        let verdict = SoakVerdict(rss: series { _ in 0 }, fdsBefore: 20, fdsAfter: 24, thresholds: .init(warmupSeconds: 0))
        XCTAssertTrue(verdict.passed, "\(verdict.failures)")
    }

    func testDescriptorsLeftBehindFail() {
        let verdict = SoakVerdict(rss: series { _ in 0 }, fdsBefore: 20, fdsAfter: 25, thresholds: .init(warmupSeconds: 0))
        XCTAssertEqual(verdict.failures,
                       ["file descriptors leak: 25 open after every soak client left, 20 before they came (tolerance 4, --fd-tolerance)"])
    }

    func testFewerDescriptorsAfterwardsIsFine() {
        let verdict = SoakVerdict(rss: series { _ in 0 }, fdsBefore: 30, fdsAfter: 12, thresholds: .init(warmupSeconds: 0))
        XCTAssertTrue(verdict.passed)
    }

    func testSlopeIsBytesPerSecondOfTheBestLine() {
        let points = [(0.0, 10.0), (1, 12), (2, 14), (3, 16)].map { SoakVerdict.RSSPoint(seconds: $0.0, bytes: $0.1) }
        XCTAssertEqual(SoakVerdict.leastSquaresSlope(points) ?? 0, 2, accuracy: 1e-12)
        let flatInTime = (0..<4).map { SoakVerdict.RSSPoint(seconds: 5, bytes: Double($0)) }
        XCTAssertNil(SoakVerdict.leastSquaresSlope(flatInTime))
    }
}
