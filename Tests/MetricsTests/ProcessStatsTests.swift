@testable import Metrics
import XCTest

final class ProcessStatsTests: XCTestCase {
    func testRendersBothProcessMetricsWithTheirTypes() {
        let registry = MetricsRegistry(shards: 1)
        ProcessStats.register(in: registry)
        let text = registry.render()
        XCTAssertTrue(text.contains("# TYPE process_cpu_seconds_total counter\n"), text)
        XCTAssertTrue(text.contains("# TYPE process_resident_memory_bytes gauge\n"), text)
        let rss = text.split(separator: "\n").first { $0.hasPrefix("process_resident_memory_bytes ") }
        XCTAssertNotNil(rss)
        XCTAssertGreaterThan(Double(rss!.split(separator: " ")[1]) ?? 0, 1_000_000, "a Swift test process holds more than 1 MB")
    }

    func testCPUSecondsAreReadFreshAndGrowWithWork() {
        let before = ProcessStats.cpuSeconds()
        var x: UInt64 = 1
        let start = ProcessStats.cpuSeconds()
        while ProcessStats.cpuSeconds() - start < 0.05 { x = x &* 6364136223846793005 &+ 1 }
        XCTAssertNotEqual(x, 0)
        XCTAssertGreaterThan(ProcessStats.cpuSeconds(), before)
    }

    func testResidentPagesIsTheSecondStatmField() {
        XCTAssertEqual(ProcessStats.residentPages(statm: "61234 2048 1500 400 0 9000 0\n"), 2048)
        XCTAssertNil(ProcessStats.residentPages(statm: "61234"))
        XCTAssertNil(ProcessStats.residentPages(statm: ""))
    }
}
