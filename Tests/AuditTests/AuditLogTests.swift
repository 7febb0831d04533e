import Foundation
import XCTest

@testable import Audit

final class AuditLogTests: AuditTestCase {
    func testEventsRecordedFromManyThreadsAreAllWrittenInOneChain() throws {
        let log = try AuditLog(path: logPath)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<250 {
                log.record(AuditEvent(event: "publish", outcome: "allowed", subject: "t\(thread)", details: [("n", .int(Int64(index)))]))
            }
        }
        XCTAssertTrue(log.flush())
        XCTAssertEqual(log.recordedCount, 2000)
        XCTAssertEqual(log.writtenCount, 2000)
        XCTAssertEqual(log.writeErrors, 0)

        let written = try lines(of: logPath)
        XCTAssertEqual(written.count, 2000)
        XCTAssertEqual(try written.map { try XCTUnwrap((object($0)["seq"] as? NSNumber)?.intValue) }, Array(1...2000))
        // Each thread's events keep their order.
        for thread in 0..<8 {
            let mine = try written.map { try object($0) }.filter { $0["subject"] as? String == "t\(thread)" }
            XCTAssertEqual(mine.compactMap { ($0["n"] as? NSNumber)?.intValue }, Array(0..<250))
        }

        let report = AuditVerifier.verify(files: [logPath])
        XCTAssertEqual(report, AuditVerifier.Report(
            filesChecked: 1, linesChecked: 2000, firstProblem: nil, notes: [], lastSeq: 2000, lastHash: report.lastHash))
        log.close()
    }

    func testFlushWritesEverythingRecordedBeforeIt() throws {
        for policy in [AuditFsync.never, .onFlush, .everyBatch] {
            let path = directory + "/\(policy.rawValue).log"
            let log = try AuditLog(path: path, fsync: policy)
            for round in 1...5 {
                for index in 0..<round * 10 { log.record(sampleEvent(index)) }
                XCTAssertTrue(log.flush())
                XCTAssertEqual(try lines(of: path).count, (1...round).reduce(0) { $0 + $1 * 10 }, "\(policy)")
            }
            XCTAssertTrue(log.flush(), "an empty flush returns at once")
            log.close()
            XCTAssertTrue(AuditVerifier.verify(files: [path]).isValid)
        }
    }

    func testReopeningContinuesSeqAndChain() throws {
        try writeLog(count: 10)
        let log = try AuditLog(path: logPath)
        log.record(sampleEvent(10))
        log.close()
        try writeLog(count: 4)

        let written = try lines(of: logPath)
        XCTAssertEqual(written.count, 15)
        XCTAssertEqual((try object(written[10])["seq"] as? NSNumber)?.intValue, 11)
        XCTAssertEqual(try object(written[10])["prev"] as? String, try object(written[9])["hash"] as? String)
        let report = AuditVerifier.verify(files: [logPath])
        XCTAssertNil(report.firstProblem)
        XCTAssertEqual(report.linesChecked, 15)
        XCTAssertEqual(report.lastSeq, 15)
    }

    func testReopeningRightAfterARotationContinuesFromTheNewestRotatedFile() throws {
        try writeLog(count: 3)
        // As if the process died between renaming audit.log to audit.log.1 and writing again.
        try FileManager.default.moveItem(atPath: logPath, toPath: logPath + ".1")
        try writeLog(count: 2)

        XCTAssertEqual(AuditVerifier.chainFiles(for: logPath), [logPath + ".1", logPath])
        let report = AuditVerifier.verify(files: AuditVerifier.chainFiles(for: logPath))
        XCTAssertNil(report.firstProblem)
        XCTAssertEqual(report.linesChecked, 5)
    }

    func testRefusesToContinueFromAnEditedLastLine() throws {
        try writeLog(count: 3)
        var written = try lines(of: logPath)
        written[2] = written[2].replacingOccurrences(of: #""outcome":"refused""#, with: #""outcome":"accepted""#)
        try write(lines: written, to: logPath)

        XCTAssertThrowsError(try AuditLog(path: logPath)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("last line is damaged"), text)
            XCTAssertTrue(text.contains("streamd audit verify \(self.logPath)"), text)
        }
    }

    func testRefusesToContinueFromATornLastLine() throws {
        try writeLog(count: 3)
        let written = try lines(of: logPath)
        try write(lines: Array(written.dropLast()) + [String(written[2].prefix(40))], to: logPath, finalNewline: false)

        XCTAssertThrowsError(try AuditLog(path: logPath)) { error in
            XCTAssertTrue("\(error)".contains("ends with an incomplete line"), "\(error)")
        }
    }

    func testASecondWriterOnTheSameFileIsRefused() throws {
        let first = try AuditLog(path: logPath)
        XCTAssertThrowsError(try AuditLog(path: logPath)) { error in
            XCTAssertTrue("\(error)".contains("already open"), "\(error)")
        }
        first.close()
        XCTAssertNoThrow(try AuditLog(path: logPath).close(), "the lock goes with close()")
    }

    func testBadConfigurationIsRefusedWithTheReason() {
        XCTAssertThrowsError(try AuditLog(path: directory + "/missing/audit.log")) { error in
            XCTAssertTrue("\(error)".contains("directory \(self.directory)/missing does not exist"), "\(error)")
        }
        XCTAssertThrowsError(try AuditLog(path: logPath, keepFiles: 0)) { error in
            XCTAssertTrue("\(error)".contains("keepFiles"), "\(error)")
        }
        XCTAssertThrowsError(try AuditLog(path: logPath, maxFileBytes: 0)) { error in
            XCTAssertTrue("\(error)".contains("maxFileBytes"), "\(error)")
        }
        XCTAssertThrowsError(try AuditLog(path: directory)) { error in
            XCTAssertTrue("\(error)".contains(directory), "\(error)")
        }
    }

    func testRecordsAfterCloseAreDroppedAndCounted() throws {
        let log = try AuditLog(path: logPath)
        log.record(sampleEvent(0))
        log.close()
        log.record(sampleEvent(1))
        log.close()
        XCTAssertEqual(log.recordedCount, 1)
        XCTAssertEqual(log.writtenCount, 1)
        XCTAssertEqual(log.droppedCount, 1)
        XCTAssertEqual(try lines(of: logPath).count, 1)
    }

    func testAFullDiskKeepsEventsQueuedAndABoundedQueueRecordsTheGapInTheChain() throws {
        try writeLog(count: 2)
        let log = try AuditLog(path: logPath, queueLimit: 10)
        log.injectWriteError(ENOSPC)
        for index in 0..<25 { log.record(sampleEvent(100 + index)) }
        XCTAssertFalse(log.flush(), "a flush during a write failure reports it")
        XCTAssertGreaterThanOrEqual(log.writeErrors, 1)
        XCTAssertEqual(log.writtenCount, 0)
        XCTAssertEqual(log.droppedCount, 15, "only queueLimit events are kept")
        XCTAssertEqual(try lines(of: logPath).count, 2, "nothing half-written")

        log.injectWriteError(nil)
        // An attempt already under way when the fault was cleared may still fail once.
        XCTAssertTrue(log.flush() || log.flush())
        XCTAssertEqual(log.writtenCount, 10)
        log.close()

        let written = try lines(of: logPath).map { try object($0) }
        let gaps = written.filter { $0["event"] as? String == "audit_gap" }
        // One gap line, or two if the writer took a batch midway through the losses.
        XCTAssertTrue((1...2).contains(gaps.count))
        XCTAssertEqual(gaps.compactMap { ($0["lost"] as? NSNumber)?.intValue }.reduce(0, +), 15)
        XCTAssertEqual(gaps.map { $0["reason"] as? String }, gaps.map { _ in "queue_overflow" })
        XCTAssertEqual(written.count, 2 + gaps.count + 10)
        // The survivors keep their order; which ten survive depends on what the writer
        // already held when the disk filled (it never drops what it is retrying).
        let survivors = written.compactMap { ($0["n"] as? NSNumber)?.intValue }.filter { $0 >= 100 }
        XCTAssertEqual(survivors.count, 10)
        XCTAssertEqual(survivors, Array(Set(survivors)).sorted())

        let report = AuditVerifier.verify(files: [logPath])
        XCTAssertNil(report.firstProblem)
        XCTAssertEqual(report.linesChecked, written.count)
        XCTAssertEqual(report.notes.count, gaps.count)
        XCTAssertTrue(report.notes.allSatisfy { $0.problem.contains("(queue overflow)") }, "\(report.notes)")
    }

    func testCloseGivesUpOnEventsItCannotWriteAndSaysSo() throws {
        let log = try AuditLog(path: logPath)
        log.injectWriteError(EIO)
        for index in 0..<5 { log.record(sampleEvent(index)) }
        log.close()
        XCTAssertEqual(log.writtenCount, 0)
        XCTAssertEqual(log.droppedCount, 5)
        XCTAssertEqual(try lines(of: logPath).count, 0)
        XCTAssertNoThrow(try AuditLog(path: logPath).close(), "an empty log starts a fresh chain")
    }
}
