@testable import StreamBench
import XCTest

final class SummaryTableTests: XCTestCase {
    private func sample() -> SummaryTable {
        var table = SummaryTable()
        table.add("scenario", "scenario", .text("fanout"))
        table.add("subscribers", "subscribers", .integer(1000), "connections")
        table.add("delivered_per_s", "delivered", 19_980.4, decimals: 0, "msgs/s")
        table.add("delivery_ratio", "delivery ratio", 0.99995, decimals: 4)
        table.add("latency_p99_ms", "latency p99", 1.2345, decimals: 2, "ms")
        table.add("server_cpu_percent", "server CPU", nil, decimals: 1, "% of one core")
        return table
    }

    func testColumnsAreAligned() {
        XCTAssertEqual(sample().render(), """
            metric           value  unit
            scenario        fanout
            subscribers       1000  connections
            delivered        19980  msgs/s
            delivery ratio  1.0000
            latency p99       1.23  ms
            server CPU           -  % of one core

            """)
    }

    func testJSONIsOneObjectInRowOrderWithNullForMissing() {
        XCTAssertEqual(sample().json(),
                       #"{"scenario":"fanout","subscribers":1000,"delivered_per_s":19980,"delivery_ratio":1.0000,"latency_p99_ms":1.23,"server_cpu_percent":null}"#)
        var table = SummaryTable()
        table.add("what", "what", .text("a \"quoted\"\nline"))
        table.note("a note")
        XCTAssertEqual(table.json(), #"{"what":"a \"quoted\"\nline","notes":["a note"]}"#)
        XCTAssertTrue(table.render().hasSuffix("\nnote: a note\n"), "notes go under the table, outside the columns")
    }

    func testFixedDecimals() {
        XCTAssertEqual(SummaryTable.fixed(0.5, decimals: 0), "1", "halves round away from zero")
        XCTAssertEqual(SummaryTable.fixed(1.005, decimals: 1), "1.0")
        XCTAssertEqual(SummaryTable.fixed(-2.25, decimals: 1), "-2.3")
        XCTAssertEqual(SummaryTable.fixed(-0.001, decimals: 2), "0.00")
        XCTAssertEqual(SummaryTable.fixed(1.08503, decimals: 5), "1.08503")
        XCTAssertEqual(SummaryTable.fixed(12, decimals: 3), "12.000")
        XCTAssertEqual(SummaryTable.fixed(0.0001, decimals: 4), "0.0001")
    }

    func testValuesCanBeLookedUpByKey() {
        XCTAssertEqual(sample().value("subscribers"), .integer(1000))
        XCTAssertEqual(sample().value("server_cpu_percent"), .missing)
        XCTAssertNil(sample().value("nope"))
    }

    func testProgressLine() {
        XCTAssertEqual(ProgressLine.format(scenario: "fanout", elapsedSeconds: 12, phase: "measuring @50/s", up: 1000, target: 1000,
                                           perSecond: 49_999.6, perSecondLabel: "delivered/s", p99Nanoseconds: 1_240_000),
                       "[fanout 12s] measuring @50/s  up 1000/1000  delivered/s 50000  p99 1.24 ms")
        XCTAssertEqual(ProgressLine.format(scenario: "idle", elapsedSeconds: 0, phase: "opening", up: 0, target: 10, perSecond: 0,
                                           perSecondLabel: "delivered/s", p99Nanoseconds: nil),
                       "[idle 0s] opening  up 0/10  delivered/s 0  p99 -")
    }
}
