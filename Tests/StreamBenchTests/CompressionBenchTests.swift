import Foundation
@testable import StreamBench
import XCTest

/// `--compression` and `--payload-bytes`: the settings, the padded message
/// and the rows they add to the report.
final class CompressionBenchTests: XCTestCase {
    private func parse(_ arguments: [String]) throws -> BenchSettings {
        var settings = BenchSettings(threads: 1)
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard try settings.take(flag, value: { rest.popFirst() ?? "" }) else { throw BenchSettings.SettingError("unknown \(flag)") }
        }
        return settings
    }

    func testFlags() throws {
        let defaults = try parse([])
        XCTAssertFalse(defaults.compression, "off unless asked, so old figures stay comparable")
        XCTAssertNil(defaults.payloadBytes)
        let settings = try parse(["--compression", "--payload-bytes", "2000"])
        XCTAssertTrue(settings.compression)
        XCTAssertEqual(settings.payloadBytes, 2000)
        XCTAssertThrowsError(try parse(["--payload-bytes", "0"])) {
            XCTAssertEqual(($0 as? BenchSettings.SettingError)?.description, "--payload-bytes expects a positive whole number, got '0'")
        }
        XCTAssertThrowsError(try parse(["--payload-bytes", "70000"])) {
            XCTAssertEqual(($0 as? BenchSettings.SettingError)?.description, "--payload-bytes is at most 60000 (got 70000)")
        }
    }

    private func object(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testTheBareTickIsSeedShaped() throws {
        let data = BenchPayload.data(id: 7, sentNanoseconds: 1_700_000_000_123_456_789, targetBytes: nil)
        XCTAssertEqual(data, #"{"symbol":"BENCH","bid":1.00007,"ask":1.00010,"t_ns":1700000000123456789}"#)
        XCTAssertEqual(BenchPayload.data(id: 7, sentNanoseconds: 1_700_000_000_123_456_789, targetBytes: 50), data,
                       "a target below the bare tick leaves it as it is")
    }

    func testPaddedDataIsValidJSONOfTheAskedSizeWithTheSendTimeFirst() throws {
        for target in [120, 200, 2000, 20_000] {
            let data = BenchPayload.data(id: 42, sentNanoseconds: 1_700_000_000_000_000_001, targetBytes: target)
            XCTAssertEqual(data.utf8.count, target, "\(target)")
            let decoded = try object(data)
            XCTAssertEqual((decoded["t_ns"] as? NSNumber)?.int64Value, 1_700_000_000_000_000_001)
            XCTAssertEqual(decoded["symbol"] as? String, "BENCH")
            let message = Array(#"{"type":"tick","channel":"tick:BENCH","seq":9,"data":\#(data)}"#.utf8)
            XCTAssertEqual(MessageScan(message).sentNanoseconds, 1_700_000_000_000_000_001, "latency still measurable at \(target)")
            XCTAssertEqual(MessageScan(message).seq, 9)
        }
    }

    func testPaddingIsSignalShapedNotARunOfOneByte() throws {
        let first = BenchPayload.data(id: 1, sentNanoseconds: 1, targetBytes: 2000)
        let second = BenchPayload.data(id: 2, sentNanoseconds: 1, targetBytes: 2000)
        XCTAssertNotEqual(first, second, "numbers differ from message to message")
        let features = try XCTUnwrap(try object(first)["features"] as? [[String: Any]])
        XCTAssertGreaterThan(features.count, 25, "most of the 2 KB is features, not filler")
        XCTAssertEqual(Set(features[0].keys), ["name", "value", "weight"])
    }

    func testTheReportSaysWhetherCompressionWasAgreedAndTheBytesPerMessage() {
        var settings = BenchSettings(threads: 1)
        settings.compression = true
        var result = BenchResult(scenario: .fanout)
        var step = FanoutStep(rate: 20, seconds: 10, subscribers: 4, offered: 200, acked: 200, delivered: 800, gaps: 0, outOfOrder: 0,
                              latency: LatencyHistogram(), disconnects: [:], publishErrors: [:], serverCPUSeconds: nil,
                              serverCPUPercent: nil, benchCPUPercent: 1)
        step.compressedSubscribers = 4
        step.wire = WireBytes(messages: 800, payloadBytes: 800 * 2100, frameBytes: 800 * 700, tlsBytes: 800 * 722)
        result.steps = [step]
        let table = BenchReport.table(result, settings: settings)
        XCTAssertEqual(table.value("compression"), .text("offered"))
        XCTAssertEqual(table.value("compressed_subscribers"), .integer(4))
        XCTAssertEqual(table.value("message_bytes"), .number(2100, decimals: 0))
        XCTAssertEqual(table.value("frame_bytes_per_msg"), .number(700, decimals: 0))
        XCTAssertEqual(table.value("tls_bytes_per_msg"), .number(722, decimals: 0))

        settings.compression = false
        result.steps[0].wire = WireBytes()
        let plain = BenchReport.table(result, settings: settings)
        XCTAssertEqual(plain.value("compression"), .text("not offered"))
        XCTAssertNil(plain.value("compressed_subscribers"))
        XCTAssertEqual(plain.value("frame_bytes_per_msg"), .missing, "nothing received in the window: not measured")
    }
}
