import Foundation
import XCTest

@testable import Audit

final class AuditRotationTests: AuditTestCase {
    private func size(of path: String) throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    func testRotationSplitsTheLogIntoFilesThatVerifyAsOneChain() throws {
        let log = try writeLog(count: 60, maxFileBytes: 2000, keepFiles: 50)
        XCTAssertEqual(log.writtenCount, 60)

        let files = AuditVerifier.chainFiles(for: logPath)
        XCTAssertGreaterThan(files.count, 4)
        XCTAssertEqual(files.last, logPath)
        XCTAssertEqual(files.first, "\(logPath).\(files.count - 1)")
        var expectedSeq = 1
        for file in files {
            XCTAssertLessThanOrEqual(try size(of: file), 2000, file)
            for line in try lines(of: file) {
                XCTAssertEqual((try object(line)["seq"] as? NSNumber)?.intValue, expectedSeq)
                expectedSeq += 1
            }
        }
        XCTAssertEqual(expectedSeq, 61)

        let report = AuditVerifier.verify(files: files)
        XCTAssertNil(report.firstProblem)
        XCTAssertEqual(report.filesChecked, files.count)
        XCTAssertEqual(report.linesChecked, 60)
        XCTAssertEqual(report.notes, [])
    }

    func testAMissingMiddleFileIsDetected() throws {
        try writeLog(count: 60, maxFileBytes: 2000, keepFiles: 50)
        var files = AuditVerifier.chainFiles(for: logPath)
        let hole = files.count / 2
        try FileManager.default.removeItem(atPath: files.remove(at: hole))

        let report = AuditVerifier.verify(files: AuditVerifier.chainFiles(for: logPath))
        let problem = try XCTUnwrap(report.firstProblem)
        XCTAssertEqual(problem.file, files[hole], "reported at the file after the hole")
        XCTAssertEqual(problem.line, 1)
        XCTAssertTrue(problem.problem.contains("missing between the files"), problem.problem)
    }

    func testFilesGivenOutOfOrderAreDetected() throws {
        try writeLog(count: 60, maxFileBytes: 2000, keepFiles: 50)
        var files = AuditVerifier.chainFiles(for: logPath)
        files.swapAt(1, 2)
        let problem = try XCTUnwrap(AuditVerifier.verify(files: files).firstProblem)
        XCTAssertEqual(problem.file, files[1])
        XCTAssertEqual(problem.line, 1)
    }

    func testKeepFilesDropsTheOldestAndVerifyNotesWhereTheChainNowStarts() throws {
        try writeLog(count: 60, maxFileBytes: 2000, keepFiles: 2)
        let files = AuditVerifier.chainFiles(for: logPath)
        XCTAssertEqual(files, [logPath + ".2", logPath + ".1", logPath])
        let report = AuditVerifier.verify(files: files)
        XCTAssertNil(report.firstProblem)
        XCTAssertEqual(report.lastSeq, 60)
        XCTAssertEqual(report.notes.count, 1)
        XCTAssertEqual(report.notes.first?.file, logPath + ".2")
        XCTAssertEqual(report.notes.first?.problem.contains("older file that was not given"), true)
    }

    func testALineLargerThanTheLimitGetsAFileOfItsOwn() throws {
        try writeLog(count: 5, maxFileBytes: 100, keepFiles: 10)
        let files = AuditVerifier.chainFiles(for: logPath)
        XCTAssertEqual(files.count, 5)
        for file in files { XCTAssertEqual(try lines(of: file).count, 1) }
        XCTAssertTrue(AuditVerifier.verify(files: files).isValid)
    }

    func testRotationContinuesAcrossRestarts() throws {
        try writeLog(count: 20, maxFileBytes: 2000, keepFiles: 50)
        try writeLog(count: 20, maxFileBytes: 2000, keepFiles: 50)
        let report = AuditVerifier.verify(files: AuditVerifier.chainFiles(for: logPath))
        XCTAssertNil(report.firstProblem)
        XCTAssertEqual(report.linesChecked, 40)
    }

    func testChainFilesIgnoresNamesThatAreNotRotations() throws {
        for name in ["audit.log", "audit.log.1", "audit.log.3", "audit.log.10", "audit.log.07", "audit.log.bak",
                     "audit.log.0", "audit.logx.2", "other.log.1"] {
            try write(lines: [], to: directory + "/" + name, finalNewline: false)
        }
        XCTAssertEqual(
            AuditVerifier.chainFiles(for: logPath),
            [logPath + ".10", logPath + ".3", logPath + ".1", logPath])
        XCTAssertEqual(AuditVerifier.chainFiles(for: directory + "/absent.log"), [])
    }
}
