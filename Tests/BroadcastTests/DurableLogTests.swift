@testable import Broadcast
import Foundation
import XCTest

final class DurableLogTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "streamd-durable-\(UUID().uuidString)"
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func record(_ channel: String, _ seq: UInt64, expiresAt: Int64? = nil, payloadBytes: Int = 0) -> DurableRecord {
        let json = #"{"type":"order_update","channel":"\#(channel)","seq":\#(seq),"data":{"pad":"\#(String(repeating: "x", count: payloadBytes))"}}"#
        return DurableRecord(channel: channel, seq: seq, timeMilliseconds: 1_700_000_000_000 + Int64(seq),
                             expiresAtMilliseconds: expiresAt, type: "order_update", payload: Array(json.utf8))
    }

    private func segmentFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".seg") }
            .sorted { Int($0.dropFirst(4).dropLast(4))! < Int($1.dropFirst(4).dropLast(4))! }
    }

    private func sizeOnDisk() throws -> Int {
        try segmentFiles().reduce(0) { total, name in
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            return total + (attributes[.size] as! Int)
        }
    }

    private func lastSegmentPath() throws -> String { directory + "/" + (try segmentFiles().last!) }

    func testCRC32MatchesTheStandardCheckValue() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
    }

    func testAppendThenRecoverWithANewInstance() throws {
        let written = [record("order:a", 1), record("order:b", 1, expiresAt: 42), record("order:a", 2), record("payload:a", 7)]
        let log = try DurableLog(directory: directory)
        for entry in written { try log.append(entry) }
        log.close()

        let reopened = try DurableLog(directory: directory)
        let recovered = try reopened.recover(keepPerChannel: 10)
        XCTAssertEqual(recovered.warnings, [])
        XCTAssertEqual(recovered.channels.count, 3)
        XCTAssertEqual(recovered.channels["order:a"]?.lastSeq, 2)
        XCTAssertEqual(recovered.channels["order:a"]?.records, [written[0], written[2]])
        XCTAssertEqual(recovered.channels["order:b"]?.records, [written[1]], "expiry survives")
        XCTAssertEqual(recovered.channels["payload:a"]?.lastSeq, 7)
        XCTAssertEqual(reopened.bytesOnDisk, try sizeOnDisk())

        try reopened.append(record("order:a", 3))
        let third = try DurableLog(directory: directory).recover(keepPerChannel: 10)
        XCTAssertEqual(third.channels["order:a"]?.records.map(\.seq), [1, 2, 3], "appends continue the same log")
    }

    func testRecoverKeepsOnlyTheMostRecentRecordsPerChannel() throws {
        let log = try DurableLog(directory: directory)
        for seq in UInt64(1)...20 { try log.append(record("order:a", seq)) }
        let recovered = try DurableLog(directory: directory).recover(keepPerChannel: 5)
        XCTAssertEqual(recovered.channels["order:a"]?.lastSeq, 20)
        XCTAssertEqual(recovered.channels["order:a"]?.records.map(\.seq), [16, 17, 18, 19, 20])
        XCTAssertEqual(try DurableLog(directory: directory).recover(keepPerChannel: 0).channels["order:a"]?.records, [])
    }

    func testAnEmptyDirectoryRecoversNothing() throws {
        let recovered = try DurableLog(directory: directory + "/nested/deeper").recover(keepPerChannel: 10)
        XCTAssertTrue(recovered.channels.isEmpty)
        XCTAssertEqual(recovered.warnings, [])
    }

    func testATornLastRecordIsCutOff() throws {
        let log = try DurableLog(directory: directory)
        for seq in UInt64(1)...5 { try log.append(record("order:a", seq)) }
        log.close()
        let path = try lastSegmentPath()
        let size = try sizeOnDisk()
        XCTAssertEqual(truncate(path, off_t(size - 3)), 0)

        let reopened = try DurableLog(directory: directory)
        let recovered = try reopened.recover(keepPerChannel: 10)
        XCTAssertEqual(recovered.channels["order:a"]?.lastSeq, 4)
        XCTAssertEqual(recovered.channels["order:a"]?.records.map(\.seq), [1, 2, 3, 4])
        XCTAssertEqual(recovered.warnings.count, 1)
        XCTAssertTrue(recovered.warnings[0].contains(path) && recovered.warnings[0].contains("torn"), recovered.warnings[0])
        XCTAssertEqual(reopened.bytesOnDisk, try sizeOnDisk(), "the torn bytes are gone from the file")

        try reopened.append(record("order:a", 5))
        let again = try DurableLog(directory: directory).recover(keepPerChannel: 10)
        XCTAssertEqual(again.warnings, [], "the torn tail was truncated, so the new record follows a clean one")
        XCTAssertEqual(again.channels["order:a"]?.records.map(\.seq), [1, 2, 3, 4, 5])
    }

    func testGarbageAfterTheLastRecordIsCutOff() throws {
        let log = try DurableLog(directory: directory)
        for seq in UInt64(1)...3 { try log.append(record("order:a", seq)) }
        let path = try lastSegmentPath()
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("this is not a record at all".utf8))
        handle.closeFile()

        let reopened = try DurableLog(directory: directory)
        let recovered = try reopened.recover(keepPerChannel: 10)
        XCTAssertEqual(recovered.channels["order:a"]?.records.map(\.seq), [1, 2, 3])
        XCTAssertEqual(recovered.warnings.count, 1)
        try reopened.append(record("order:a", 4))
        let again = try DurableLog(directory: directory).recover(keepPerChannel: 10)
        XCTAssertEqual(again.warnings, [])
        XCTAssertEqual(again.channels["order:a"]?.records.map(\.seq), [1, 2, 3, 4])
    }

    func testCorruptionInTheMiddleStopsThatSegmentAndIsReported() throws {
        let log = try DurableLog(directory: directory)
        for seq in UInt64(1)...5 { try log.append(record("order:a", seq)) }
        log.close()
        let path = try lastSegmentPath()
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        bytes[bytes.count / 2] ^= 0xFF  // somewhere inside record 2 or 3
        try bytes.write(to: URL(fileURLWithPath: path))

        let recovered = try DurableLog(directory: directory).recover(keepPerChannel: 10)
        let seqs = recovered.channels["order:a"]?.records.map(\.seq) ?? []
        XCTAssertFalse(seqs.isEmpty)
        XCTAssertLessThan(seqs.count, 5)
        XCTAssertEqual(seqs, Array(1...UInt64(seqs.count)), "everything before the damage, nothing after")
        XCTAssertEqual(recovered.warnings.count, 1)
        XCTAssertTrue(recovered.warnings[0].contains("corruption"), recovered.warnings[0])
    }

    func testRotationAndDeletionKeepEveryChannelsLastSeq() throws {
        let log = try DurableLog(directory: directory, segmentBytes: 2048, maxBytes: 8192)
        try log.append(record("payload:early", 41))   // never written again: only checkpoints keep it
        for seq in UInt64(1)...300 {
            try log.append(record("order:busy", seq, payloadBytes: 40))
            XCTAssertLessThanOrEqual(log.bytesOnDisk, 8192, "seq \(seq)")
        }
        XCTAssertEqual(log.bytesOnDisk, try sizeOnDisk())
        let files = try segmentFiles()
        XCTAssertGreaterThan(files.count, 1)
        XCTAssertNotEqual(files.first, "log-1.seg", "the oldest segments were deleted")

        let recovered = try DurableLog(directory: directory).recover(keepPerChannel: 1000)
        XCTAssertEqual(recovered.warnings, [])
        XCTAssertEqual(recovered.channels["payload:early"]?.lastSeq, 41)
        XCTAssertEqual(recovered.channels["payload:early"]?.records, [])
        XCTAssertEqual(recovered.channels["order:busy"]?.lastSeq, 300)
        let kept = recovered.channels["order:busy"]?.records.map(\.seq) ?? []
        XCTAssertEqual(kept.last, 300)
        XCTAssertEqual(kept, Array(kept.first!...300), "the surviving records are contiguous")
    }

    func testCorruptOlderSegmentStillLeavesTheSeqsOfLaterCheckpoints() throws {
        let log = try DurableLog(directory: directory, segmentBytes: 1024, maxBytes: 1 << 20)
        for seq in UInt64(1)...60 { try log.append(record("order:a", seq, payloadBytes: 20)) }
        try log.append(record("order:b", 9))
        let files = try segmentFiles()
        XCTAssertGreaterThan(files.count, 2)
        // Wipe the second segment's records after its checkpoint.
        let second = directory + "/" + files[1]
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: second))
        for index in (bytes.count - 50)..<bytes.count { bytes[index] = 0 }
        try bytes.write(to: URL(fileURLWithPath: second))

        let recovered = try DurableLog(directory: directory).recover(keepPerChannel: 100)
        XCTAssertEqual(recovered.warnings.count, 1)
        XCTAssertTrue(recovered.warnings[0].contains(files[1]), recovered.warnings[0])
        XCTAssertEqual(recovered.channels["order:a"]?.lastSeq, 60)
        XCTAssertEqual(recovered.channels["order:b"]?.lastSeq, 9)
    }

    func testRecordsSurviveWithoutClose() throws {
        // A kill -9 runs no deinit and no close: every append must already be
        // in the kernel. The first instance stays alive, unclosed, while a
        // second one recovers.
        let crashed = try DurableLog(directory: directory, fsync: .never)
        var written: [DurableRecord] = []
        for seq in UInt64(1)...50 {
            let entry = record(seq % 2 == 0 ? "order:a" : "payload:a", seq, expiresAt: seq % 3 == 0 ? 99 : nil)
            try crashed.append(entry)
            written.append(entry)
        }
        try withExtendedLifetime(crashed) {
            let recovered = try DurableLog(directory: directory).recover(keepPerChannel: 100)
            XCTAssertEqual(recovered.warnings, [])
            XCTAssertEqual(recovered.channels["order:a"]?.records, written.filter { $0.channel == "order:a" })
            XCTAssertEqual(recovered.channels["payload:a"]?.records, written.filter { $0.channel == "payload:a" })
        }
    }

    func testFsyncPoliciesWrite() throws {
        for policy in [DurableFsync.always, .interval] {
            let path = directory + "/" + policy.rawValue
            let log = try DurableLog(directory: path, segmentBytes: 512, maxBytes: 4096, fsync: policy)
            for seq in UInt64(1)...20 { try log.append(record("order:a", seq)) }
            log.sync()
            log.close()
            XCTAssertNil(log.maintenanceError)
            XCTAssertThrowsError(try log.append(record("order:a", 21)), "append after close")
            XCTAssertEqual(try DurableLog(directory: path).recover(keepPerChannel: 100).channels["order:a"]?.lastSeq, 20)
        }
    }

    func testErrorsNameTheFile() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let plainFile = directory + "/not-a-directory"
        XCTAssertTrue(FileManager.default.createFile(atPath: plainFile, contents: Data("x".utf8)))
        XCTAssertThrowsError(try DurableLog(directory: plainFile + "/log")) { error in
            XCTAssertTrue("\(error)".contains(plainFile), "\(error)")
        }
        XCTAssertThrowsError(try DurableLog(directory: plainFile)) { error in
            XCTAssertTrue("\(error)".contains(plainFile), "\(error)")
        }
    }
}
