import Foundation
import XCTest

@testable import Audit

/// Each test tampers with a verified log the way an attacker or an accident would and
/// expects verify to name the file and the first line that no longer holds.
final class AuditVerifierTests: AuditTestCase {
    private func tamper(_ change: (inout [String]) throws -> Void) throws -> AuditVerifier.Report {
        try writeLog(count: 10)
        XCTAssertTrue(AuditVerifier.verify(files: [logPath]).isValid)
        var written = try lines(of: logPath)
        try change(&written)
        try write(lines: written, to: logPath)
        return AuditVerifier.verify(files: [logPath])
    }

    private func assertProblem(
        _ report: AuditVerifier.Report, line: Int, contains text: String, file: StaticString = #filePath,
        testLine: UInt = #line
    ) {
        guard let problem = report.firstProblem else {
            return XCTFail("tampering went unnoticed", file: file, line: testLine)
        }
        XCTAssertEqual(problem.file, logPath, file: file, line: testLine)
        XCTAssertEqual(problem.line, line, "\(problem)", file: file, line: testLine)
        XCTAssertTrue(problem.problem.contains(text), "\(problem)", file: file, line: testLine)
        XCTAssertEqual(report.linesChecked, line - 1, file: file, line: testLine)
    }

    func testAnEditedFieldIsReportedAtItsLine() throws {
        let report = try tamper { lines in
            XCTAssertTrue(lines[4].contains(#""outcome":"refused""#))
            lines[4] = lines[4].replacingOccurrences(of: #""outcome":"refused""#, with: #""outcome":"accepted""#)
        }
        assertProblem(report, line: 5, contains: "hash does not match")
        XCTAssertEqual(report.firstProblem?.description.hasPrefix("\(logPath):5: "), true)
    }

    func testALineReplacedByAValidLineFromAnotherChainIsReported() throws {
        // Same seq, a hash that matches its own bytes, but a different history.
        let otherPath = directory + "/other.log"
        let other = try AuditLog(path: otherPath)
        other.record(AuditEvent(event: "policy_reload", outcome: "ok"))
        for index in 0..<9 { other.record(sampleEvent(index)) }
        other.close()
        let foreign = try lines(of: otherPath)[4]
        let report = try tamper { lines in lines[4] = foreign }
        assertProblem(report, line: 5, contains: "prev does not match the hash of the line before")
    }

    func testADeletedMiddleLineIsReported() throws {
        let report = try tamper { lines in lines.remove(at: 5) }
        assertProblem(report, line: 6, contains: "seq 7 follows seq 5: 1 line(s) missing")
    }

    func testSwappedLinesAreReported() throws {
        let report = try tamper { lines in lines.swapAt(3, 4) }
        assertProblem(report, line: 4, contains: "seq 5 follows seq 3")
    }

    func testARepeatedLineIsReported() throws {
        let report = try tamper { lines in lines.insert(lines[6], at: 7) }
        assertProblem(report, line: 8, contains: "out of order or repeated")
    }

    func testATruncatedLastLineIsReported() throws {
        try writeLog(count: 10)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: logPath))
        try handle.truncate(atOffset: UInt64(size - 30))
        try handle.close()
        assertProblem(AuditVerifier.verify(files: [logPath]), line: 10, contains: "no newline")

        try write(lines: try lines(of: logPath), to: logPath)  // the torn line, now ending in a newline
        assertProblem(AuditVerifier.verify(files: [logPath]), line: 10, contains: "not a JSON object")
    }

    func testALineReserializedByAJSONLibraryIsReported() throws {
        let report = try tamper { lines in
            let object = try JSONSerialization.jsonObject(with: Data(lines[2].utf8))
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            lines[2] = String(decoding: data, as: UTF8.self)
        }
        XCTAssertEqual(report.firstProblem?.line, 3)
        XCTAssertEqual(report.linesChecked, 2)
    }

    func testAnEmptyLineIsReported() throws {
        let report = try tamper { lines in lines.insert("", at: 2) }
        assertProblem(report, line: 3, contains: "empty line")
    }

    func testTwoChainsGluedTogetherAreReported() throws {
        let otherPath = directory + "/other.log"
        try writeLog(count: 3, path: otherPath)
        let other = try lines(of: otherPath)
        let report = try tamper { lines in lines += other }
        assertProblem(report, line: 11, contains: "a new chain starts here")
    }

    func testAMissingFileIsReportedAsTheFile() {
        let report = AuditVerifier.verify(files: [logPath])
        XCTAssertEqual(report.firstProblem?.file, logPath)
        XCTAssertEqual(report.firstProblem?.line, 0)
        XCTAssertEqual(report.firstProblem?.description.contains("No such file"), true)
    }

    func testAnEmptyFileHoldsNoLinesAndNoProblem() throws {
        try write(lines: [], to: logPath, finalNewline: false)
        XCTAssertEqual(
            AuditVerifier.verify(files: [logPath]),
            AuditVerifier.Report(filesChecked: 1, linesChecked: 0, firstProblem: nil, notes: [], lastSeq: nil, lastHash: nil))
    }

    func testAFileThatStartsMidChainIsANoteNotAProblem() throws {
        let report = try tamper { lines in lines.removeFirst(4) }
        XCTAssertNil(report.firstProblem)
        XCTAssertEqual(report.linesChecked, 6)
        XCTAssertEqual(report.notes.map(\.line), [1])
        XCTAssertTrue(report.notes[0].problem.contains("continues from seq 4"), report.notes[0].problem)
    }

    func testAFirstLineThatClaimsToStartAChainMustHaveSeqOne() throws {
        // Only the writer can make such a line; forge one through the encoder.
        var encoder = AuditLineEncoder()
        var bytes: [UInt8] = []
        _ = encoder.encode(sampleEvent(0), seq: 5, prev: AuditLineEncoder.genesisHash, into: &bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: logPath))
        assertProblem(AuditVerifier.verify(files: [logPath]), line: 1, contains: "has seq 5, not 1")
    }
}
