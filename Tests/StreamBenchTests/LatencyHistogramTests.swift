@testable import StreamBench
import XCTest

final class LatencyHistogramTests: XCTestCase {
    func testEmptyHistogramHasNoPercentiles() {
        let histogram = LatencyHistogram()
        XCTAssertNil(histogram.value(atQuantile: 0.5))
        XCTAssertNil(histogram.mean)
        XCTAssertTrue(histogram.isEmpty)
    }

    func testSmallValuesAreExact() {
        var histogram = LatencyHistogram()
        for v in 1...100 as ClosedRange<UInt64> { histogram.record(v) }
        XCTAssertEqual(histogram.value(atQuantile: 0.5), 50)
        XCTAssertEqual(histogram.value(atQuantile: 0.99), 99)
        XCTAssertEqual(histogram.value(atQuantile: 1), 100)
        XCTAssertEqual(histogram.value(atQuantile: 0), 1, "rank 0 rounds up to the first sample")
    }

    func testPercentilesOfAUniformSpreadAreWithinBucketPrecision() {
        var histogram = LatencyHistogram()
        // 1 µs ... 10 ms in 1 µs steps.
        for micro in 1...10_000 as ClosedRange<UInt64> { histogram.record(micro * 1000) }
        for (q, exact) in [(0.5, 5_000_000.0), (0.99, 9_900_000.0), (0.999, 9_990_000.0)] {
            let value = Double(histogram.value(atQuantile: q)!)
            XCTAssertGreaterThanOrEqual(value, exact, "p\(q) never understates")
            XCTAssertLessThanOrEqual(value, exact * 1.016, "p\(q) within 1.6 %")
        }
        XCTAssertEqual(histogram.max, 10_000_000)
        XCTAssertEqual(histogram.value(atQuantile: 1), 10_000_000, "the top percentile is capped at the largest sample")
        XCTAssertEqual(histogram.count, 10_000)
        XCTAssertEqual(histogram.mean!, 5_000_500, accuracy: 0.5)
    }

    func testATailShowsInTheHighPercentilesOnly() {
        var histogram = LatencyHistogram()
        for _ in 0..<990 { histogram.record(1_000_000) }
        for _ in 0..<10 { histogram.record(80_000_000) }
        XCTAssertLessThan(histogram.value(atQuantile: 0.99)!, 1_020_000)
        XCTAssertGreaterThanOrEqual(histogram.value(atQuantile: 0.999)!, 80_000_000)
    }

    func testMergingEqualsRecordingEverythingInOne() {
        var a = LatencyHistogram(), b = LatencyHistogram(), all = LatencyHistogram()
        for v in stride(from: 1_000 as UInt64, to: 5_000_000, by: 7_919) {
            if v % 2 == 0 { a.record(v) } else { b.record(v) }
            all.record(v)
        }
        a.merge(b)
        XCTAssertEqual(a, all)
    }

    func testExtremeValuesDoNotTrap() {
        var histogram = LatencyHistogram()
        histogram.record(0)
        histogram.record(.max)
        XCTAssertEqual(histogram.value(atQuantile: 0.5), 0)
        XCTAssertEqual(histogram.value(atQuantile: 1), .max)
    }
}
