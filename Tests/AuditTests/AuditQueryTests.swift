import Foundation
import XCTest

@testable import Audit

final class AuditQueryTests: AuditTestCase {
    /// 12 events one second apart from 2026-11-27T08:00:00Z (see `sampleEvent`).
    private let start: Int64 = 1_795_766_400_000

    private func query(_ query: AuditQuery, files: [String]? = nil) throws -> [Int] {
        var found: [Int] = []
        try query.run(files: files ?? [logPath]) { line in
            found.append((try? self.object(line)["n"] as? NSNumber)??.intValue ?? -1)
        }
        return found
    }

    func testFiltersBySubjectEventAndOutcome() throws {
        try writeLog(count: 12)
        XCTAssertEqual(try query(AuditQuery()), Array(0..<12))
        XCTAssertEqual(try query(AuditQuery(subject: "acct-1")), [1, 5, 9])
        XCTAssertEqual(try query(AuditQuery(event: "connect")), [0, 3, 6, 9])
        XCTAssertEqual(try query(AuditQuery(outcome: "refused")), [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(try query(AuditQuery(subject: "acct-2", event: "connect", outcome: "refused")), [6])
        XCTAssertEqual(try query(AuditQuery(subject: "nobody")), [])
    }

    func testTimeRangeIsHalfOpen() throws {
        try writeLog(count: 12)
        XCTAssertEqual(try query(AuditQuery(since: start + 3000, until: start + 6000)), [3, 4, 5])
        XCTAssertEqual(try query(AuditQuery(since: start + 10_500)), [11])
        XCTAssertEqual(try query(AuditQuery(until: start + 1)), [0])
        XCTAssertEqual(try query(AuditQuery(event: "connect", since: start + 1000, until: start + 9000)), [3, 6])
    }

    func testMatchesNeedsTheFieldToBePresent() {
        let query = AuditQuery(subject: "acct-1", since: 0)
        XCTAssertTrue(query.matches(line: ["subject": "acct-1", "time": "2026-11-27T08:00:00.000Z"]))
        XCTAssertFalse(query.matches(line: ["time": "2026-11-27T08:00:00.000Z"]))
        XCTAssertFalse(query.matches(line: ["subject": "acct-1"]))
        XCTAssertFalse(query.matches(line: ["subject": "acct-1", "time": "not a time"]))
    }

    func testRunStreamsRawLinesAcrossRotatedFilesAndSkipsGarbage() throws {
        try writeLog(count: 30, maxFileBytes: 2000, keepFiles: 50)
        let files = AuditVerifier.chainFiles(for: logPath)
        XCTAssertGreaterThan(files.count, 2)
        var raw: [String] = []
        let summary = try AuditQuery(subject: "acct-3").run(files: files) { raw.append($0) }
        XCTAssertEqual(summary, AuditQuery.Summary(linesRead: 30, linesMatched: 7, linesSkipped: 0))
        XCTAssertEqual(raw.compactMap { (try? object($0)["n"] as? NSNumber)??.intValue }, [3, 7, 11, 15, 19, 23, 27])
        let allLines = try files.flatMap { try lines(of: $0) }
        XCTAssertEqual(raw, allLines.filter { $0.contains(#""subject":"acct-3""#) }, "lines come out byte for byte")

        try write(lines: try lines(of: logPath) + ["garbage", "{\"half\":"], to: logPath)
        let again = try AuditQuery().run(files: files) { _ in }
        XCTAssertEqual(again, AuditQuery.Summary(linesRead: 32, linesMatched: 30, linesSkipped: 2))
    }

    func testAnUnreadableFileIsAnError() {
        XCTAssertThrowsError(try AuditQuery().run(files: [logPath]) { _ in }) { error in
            XCTAssertTrue("\(error)".contains(self.logPath), "\(error)")
        }
    }

    func testParseTime() {
        let cases: [(String, Int64?)] = [
            ("2026-11-27T08:00:00Z", 1_795_766_400_000),
            ("2026-11-27T08:00:00.123Z", 1_795_766_400_123),
            ("2026-11-27T08:00:00.1Z", 1_795_766_400_100),
            ("2026-11-27T08:00:00.123456789Z", 1_795_766_400_123),
            ("2026-11-27t08:00:00z", 1_795_766_400_000),
            ("2026-11-27 08:00:00Z", 1_795_766_400_000),
            ("2026-11-27T09:30:00+01:30", 1_795_766_400_000),
            ("2026-11-27T03:00:00-05:00", 1_795_766_400_000),
            ("2026-11-27", 1_795_737_600_000),
            ("2024-02-29T23:59:59Z", 1_709_251_199_000),
            ("1795766400", 1_795_766_400_000),
            ("1795766400.5", 1_795_766_400_500),
            ("0", 0),
            ("1970-01-01T00:00:00Z", 0),
            // Refused: no zone, impossible dates and times, junk.
            ("2026-11-27T08:00:00", nil),
            ("2026-13-01T00:00:00Z", nil),
            ("2026-02-29T00:00:00Z", nil),
            ("2026-11-27T24:00:00Z", nil),
            ("2026-11-27T08:00:00.Z", nil),
            ("2026-11-27T08:00:00Z junk", nil),
            ("26-11-27", nil),
            ("yesterday", nil),
            ("", nil),
            ("1795766400x", nil),
            ("99999999999999999999", nil),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(AuditQuery.parseTime(text), expected, text)
        }
    }
}
