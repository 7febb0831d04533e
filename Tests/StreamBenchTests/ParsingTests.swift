@testable import StreamBench
import XCTest

/// The text the bench reads from a server: /metrics, /proc, messages, the upgrade answer.
final class ParsingTests: XCTestCase {
    func testProcessMetricsFromPrometheusText() {
        let text = """
            # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds
            # TYPE process_cpu_seconds_total counter
            process_cpu_seconds_total_extra 99
            process_cpu_seconds_total 12.75
            streamd_closes_total{code="1000"} 3
            process_resident_memory_bytes 4.2e+07

            """
        XCTAssertEqual(MetricsText.value(of: "process_cpu_seconds_total", in: text), 12.75)
        XCTAssertEqual(MetricsText.value(of: "process_resident_memory_bytes", in: text), 42_000_000)
        XCTAssertNil(MetricsText.value(of: "streamd_closes_total", in: text), "labelled samples are not the unlabelled one")
        XCTAssertNil(MetricsText.value(of: "process_open_fds", in: text))
        let sample = ServerSample(metrics: text, takenAt: 7)
        XCTAssertEqual(sample, ServerSample(cpuSeconds: 12.75, residentBytes: 42_000_000, takenAt: 7))
        XCTAssertNil(ServerSample(metrics: "process_cpu_seconds_total 1\n", takenAt: 0), "both metrics are needed")
    }

    func testCPUPercentOfOneCore() {
        let a = ServerSample(cpuSeconds: 10, residentBytes: 0, takenAt: 1_000_000_000)
        let b = ServerSample(cpuSeconds: 10.5, residentBytes: 0, takenAt: 3_000_000_000)
        XCTAssertEqual(b.cpuPercent(since: a), 25, accuracy: 1e-9)
    }

    func testProcStatCountsFieldsFromTheLastParenthesis() {
        let stat = "4242 (stream d) (x)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 37 0 0 20 0 3 0 100 2000000 1500 ..."
        XCTAssertEqual(ProcStat.cpuTicks(stat: stat), 187)
        XCTAssertNil(ProcStat.cpuTicks(stat: "4242 (streamd) S 1"))
        let status = "Name:\tstreamd\nVmPeak:\t  200000 kB\nVmRSS:\t   51234 kB\nThreads:\t3\n"
        XCTAssertEqual(ProcStat.residentBytes(status: status), 51_234 * 1024)
        XCTAssertNil(ProcStat.residentBytes(status: "Name:\tkthreadd\n"))
    }

    func testStreamMessageFields() {
        let tick = Array(#"{"type":"tick","channel":"tick:BENCH","seq":1234,"timestamp":"2026-11-27T10:00:00.000Z","data":{"symbol":"BENCH","bid":1.0,"ask":1.00003,"t_ns":1795000000123456789}}"#.utf8)
        let scan = MessageScan(tick)
        XCTAssertEqual(scan.kind, .stream)
        XCTAssertEqual(scan.seq, 1234)
        XCTAssertEqual(scan.sentNanoseconds, 1_795_000_000_123_456_789)
        XCTAssertNil(scan.id)

        let ack = MessageScan(Array(#"{"type":"ack","id":77,"timestamp":"x","data":{"seq":5}}"#.utf8))
        XCTAssertEqual(ack.kind, .ack)
        XCTAssertEqual(ack.id, 77)
        XCTAssertNil(ack.seq, "an ack's data.seq is not a stream seq")

        XCTAssertEqual(MessageScan(Array(#"{"type":"welcome","timestamp":"x","data":{}}"#.utf8)).kind, .welcome)
        XCTAssertEqual(MessageScan(Array(#"{"type":"error","id":3,"data":{"code":"forbidden"}}"#.utf8)).id, 3)
        XCTAssertEqual(MessageScan(Array(#"{"type":"pong","id":1}"#.utf8)).kind, .other)
        XCTAssertEqual(MessageScan(Array("not json".utf8)).kind, .other)
        XCTAssertNil(MessageScan(Array(#"{"type":"tick","seq":}"#.utf8)).seq)
    }

    func testSubscribedAnswerWithADenial() {
        XCTAssertTrue(MessageScan.deniesSomething(Array(#"{"type":"subscribed","id":1,"data":{"channels":[],"denied":[{"channel":"tick:BENCH","reason":"forbidden"}]}}"#.utf8)))
        XCTAssertFalse(MessageScan.deniesSomething(Array(#"{"type":"subscribed","id":1,"data":{"channels":["tick:BENCH"],"denied":[]}}"#.utf8)))
    }

    func testUpgradeAnswers() {
        let ok = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: abc=\r\n\r\n".utf8) + [0x81, 0x02, 0x7B, 0x7D]
        guard case .complete(let answer) = UpgradeAnswer.parse(ok) else { return XCTFail("101 not parsed") }
        XCTAssertEqual(answer.status, 101)
        XCTAssertEqual(answer.headers["sec-websocket-accept"], "abc=")
        XCTAssertEqual(answer.rest, [0x81, 0x02, 0x7B, 0x7D], "frames after the head are kept")

        let body = #"{"error":"forbidden","message":"role viewer may not connect"}"#
        let refusal = "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        XCTAssertEqual(UpgradeAnswer.parse(Array(refusal.utf8.dropLast(3))), .incomplete, "the body is awaited")
        guard case .complete(let refused) = UpgradeAnswer.parse(Array(refusal.utf8)) else { return XCTFail("403 not parsed") }
        XCTAssertEqual(refused.refusalDescription, "403 forbidden (role viewer may not connect)")

        XCTAssertEqual(UpgradeAnswer.parse(Array("HTTP/1.1 101 Switching".utf8)), .incomplete)
        guard case .malformed = UpgradeAnswer.parse(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8)) else { return XCTFail("garbage accepted") }
    }

    /// A hostile server's Content-Length once crashed the parser (a negative
    /// length reached the slicing of the buffer); now it is a malformed answer.
    func testContentLengthThatIsNotADecimalNumberIsMalformed() {
        for value in ["-1", "+5", "1e3", "0x10", "", "99999999999999999999", "12 34"] {
            let answer = "HTTP/1.1 403 Forbidden\r\nContent-Length: \(value)\r\n\r\n{}"
            guard case .malformed(let message) = UpgradeAnswer.parse(Array(answer.utf8)) else {
                return XCTFail("Content-Length \(value) accepted")
            }
            XCTAssertTrue(message.contains("Content-Length"), message)
        }
        guard case .complete(let answer) = UpgradeAnswer.parse(Array("HTTP/1.1 403 Forbidden\r\nContent-Length: 2 \r\n\r\n{}".utf8)) else {
            return XCTFail("a Content-Length with trailing blanks refused")
        }
        XCTAssertEqual(answer.body, Array("{}".utf8))
    }

    func testFailureReasonsAndHints() {
        let tooMany = UpgradeAnswer(status: 429, headers: [:], body: Array(#"{"error":"too_many_attempts","message":"slow down"}"#.utf8), rest: [])
        XCTAssertEqual(BenchConnectionError.refused(tooMany).reason, "HTTP 429")
        XCTAssertTrue(BenchConnectionError.refused(tooMany).hint!.contains("connection.attempts_per_minute_per_address"))
        XCTAssertEqual(BenchConnectionError.connect(111).reason, "connect: Connection refused")
        XCTAssertEqual(BenchConnectionError.timeout("TLS handshake").reason, "timeout during TLS handshake")
    }
}

extension ParsingTests {
    func testIntegersThatOverflowAreNotMisread() {
        XCTAssertEqual(MessageScan.integer(after: Array(#""t_ns":"#.utf8), in: Array(#"{"t_ns":9223372036854775807}"#.utf8)), .max)
        XCTAssertNil(MessageScan.integer(after: Array(#""t_ns":"#.utf8), in: Array(#"{"t_ns":9223372036854775808}"#.utf8)))
    }
}
