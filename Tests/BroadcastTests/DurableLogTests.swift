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

    private func record(_ channel: String, _ seq: UInt64, expiresAt: Int64? = nil, payloadBytes: Int = 0, epoch: String = "e1",
                        key: String? = nil) -> DurableRecord {
        let json = #"{"type":"order_update","channel":"\#(channel)","seq":\#(seq),"data":{"pad":"\#(String(repeating: "x", count: payloadBytes))"}}"#
        return DurableRecord(channel: channel, seq: seq, timeMilliseconds: 1_700_000_000_000 + Int64(seq),
                             expiresAtMilliseconds: expiresAt, type: "order_update", payload: Array(json.utf8), epoch: epoch,
                             idempotencyKey: key)
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
        // No close: a crash mid-write, so record 5 is the last entry.
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

    func testGarbageAfterTheLastRecordIsCutOffAndNumberingStartsOver() throws {
        let log = try DurableLog(directory: directory)
        for seq in UInt64(1)...3 { try log.append(record("order:a", seq)) }
        let path = try lastSegmentPath()
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("this is not a record at all".utf8))
        handle.closeFile()

        // Not a write cut short but damage in the newest segment: records
        // clients saw may be gone, so no seq of the old numbering is reused.
        let reopened = try DurableLog(directory: directory)
        let recovered = try reopened.recover(keepPerChannel: 10)
        XCTAssertTrue(recovered.startedOver)
        XCTAssertTrue(recovered.channels.isEmpty)
        XCTAssertEqual(recovered.warnings.count, 2)
        XCTAssertTrue(recovered.warnings[1].contains("new epoch"), recovered.warnings[1])
        try reopened.append(record("order:a", 1, epoch: "e2"))
        let again = try DurableLog(directory: directory).recover(keepPerChannel: 10)
        XCTAssertEqual(again.warnings, [])
        XCTAssertFalse(again.startedOver)
        XCTAssertEqual(again.channels["order:a"]?.epoch, "e2")
        XCTAssertEqual(again.channels["order:a"]?.records.map(\.seq), [1], "the old epoch's records are superseded")
    }

    func testCorruptionInTheNewestSegmentStartsANewNumbering() throws {
        let log = try DurableLog(directory: directory)
        for seq in UInt64(1)...5 { try log.append(record("order:a", seq)) }
        log.close()
        let path = try lastSegmentPath()
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        bytes[bytes.count / 2] ^= 0xFF  // somewhere inside record 2 or 3
        try bytes.write(to: URL(fileURLWithPath: path))

        let recovered = try DurableLog(directory: directory).recover(keepPerChannel: 10)
        XCTAssertTrue(recovered.startedOver)
        XCTAssertNil(recovered.channels["order:a"], "forgotten: its next message starts a new epoch at seq 1")
        XCTAssertEqual(recovered.warnings.count, 2)
        XCTAssertTrue(recovered.warnings[0].contains("corruption"), recovered.warnings[0])
        let again = try DurableLog(directory: directory).recover(keepPerChannel: 10)
        XCTAssertTrue(again.channels.isEmpty, "the start-over is on disk: a second recovery agrees")
        XCTAssertFalse(again.startedOver)
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

    private func seqs(_ read: LogRead) -> [UInt64] {
        guard case .records(let records) = read else { return [] }
        return records.map(\.seq)
    }

    func testReadFindsAnyRangeThroughTheIndexBeforeAndAfterRecovery() throws {
        let log = try DurableLog(directory: directory, segmentBytes: 16 << 10, maxBytes: 64 << 20)
        for seq in UInt64(1)...3000 {
            try log.append(record("order:a", seq, payloadBytes: 10))
            if seq % 3 == 0 { try log.append(record("order:b", seq / 3)) }
        }
        XCTAssertEqual(seqs(try log.read(channel: "order:a", epoch: "e1", from: 1234, maxCount: 100, maxBytes: 1 << 20)),
                       Array(1234...1333))
        XCTAssertEqual(seqs(try log.read(channel: "order:b", epoch: "e1", from: 999, maxCount: 100, maxBytes: 1 << 20)), [999, 1000])
        XCTAssertEqual(seqs(try log.read(channel: "order:a", epoch: "e1", from: 2990, maxCount: 5, maxBytes: 1 << 20)), Array(2990...2994),
                       "maxCount bounds a read")
        guard case .missing(nil) = try log.read(channel: "order:a", epoch: "other", from: 1, maxCount: 5, maxBytes: 1 << 20) else {
            return XCTFail("another epoch's seqs are never served")
        }
        log.close()

        let reopened = try DurableLog(directory: directory, segmentBytes: 16 << 10, maxBytes: 64 << 20)
        _ = try reopened.recover(keepPerChannel: 10)
        XCTAssertEqual(seqs(try reopened.read(channel: "order:a", epoch: "e1", from: 1, maxCount: 3, maxBytes: 1 << 20)), [1, 2, 3])
        XCTAssertEqual(reopened.firstSeq(of: "order:a", epoch: "e1", atOrAfter: 1_700_000_000_000 + 2500), 2500)
        XCTAssertEqual(reopened.oldest(of: "order:b", epoch: "e1")?.seq, 1)
    }

    func testReadAfterOldSegmentsAreDeletedNamesTheOldestSeqLeft() throws {
        let log = try DurableLog(directory: directory, segmentBytes: 2048, maxBytes: 8192)
        for seq in UInt64(1)...300 { try log.append(record("order:a", seq, payloadBytes: 40)) }
        let oldest = try XCTUnwrap(log.oldest(of: "order:a", epoch: "e1")?.seq)
        XCTAssertGreaterThan(oldest, 1)
        guard case .missing(let next) = try log.read(channel: "order:a", epoch: "e1", from: 1, maxCount: 10, maxBytes: 1 << 20) else {
            return XCTFail("deleted records cannot be read")
        }
        XCTAssertEqual(next, oldest)
        XCTAssertEqual(seqs(try log.read(channel: "order:a", epoch: "e1", from: oldest, maxCount: 1000, maxBytes: 1 << 20)),
                       Array(oldest...300))
    }

    func testARecordOfANewEpochSupersedesTheOldNumbering() throws {
        let log = try DurableLog(directory: directory)
        for seq in UInt64(1)...3 { try log.append(record("order:a", seq)) }
        for seq in UInt64(1)...2 { try log.append(record("order:a", seq, epoch: "e2")) }
        XCTAssertEqual(log.position(of: "order:a"), LogPosition(epoch: "e2", lastSeq: 2))
        log.close()
        let recovered = try DurableLog(directory: directory).recover(keepPerChannel: 10)
        XCTAssertEqual(recovered.channels["order:a"]?.epoch, "e2")
        XCTAssertEqual(recovered.channels["order:a"]?.lastSeq, 2)
        XCTAssertEqual(recovered.channels["order:a"]?.records.map(\.seq), [1, 2])
        XCTAssertEqual(recovered.channels["order:a"]?.records.map(\.epoch), ["e2", "e2"])
    }

    func testIdempotencyKeysWithinTheWindowAreRecovered() throws {
        let log = try DurableLog(directory: directory)
        try log.append(record("order:a", 1, key: "old"))          // time ...001
        try log.append(record("order:a", 2, key: "fill-17"))      // time ...002
        try log.append(record("order:a", 3))
        log.close()
        let recovered = try DurableLog(directory: directory).recover(keepPerChannel: 10, keysSince: 1_700_000_000_002)
        let keys = recovered.channels["order:a"]?.idempotencyKeys ?? []
        XCTAssertEqual(keys.map(\.key), ["fill-17"], "keys older than the window are not kept")
        XCTAssertEqual(keys.map(\.seq), [2])
        XCTAssertEqual(recovered.channels["order:a"]?.records[1].idempotencyKey, "fill-17", "the key is stored with its record")
    }

    func testALogWrittenBeforeEpochsIsStillRead() throws {
        // A 0x01 record and a 0x02 checkpoint, as the previous format wrote them.
        var segment: [UInt8] = []
        func frame(_ body: [UInt8]) {
            segment += LogCodec.magic
            var header: [UInt8] = []
            LogCodec.appendInteger(UInt32(body.count), to: &header)
            LogCodec.appendInteger(CRC32.checksum(body), to: &header)
            segment += header + body
        }
        func text(_ value: String) -> [UInt8] {
            var out: [UInt8] = []
            LogCodec.appendInteger(UInt16(value.utf8.count), to: &out)
            return out + Array(value.utf8)
        }
        var checkpoint: [UInt8] = [2]
        LogCodec.appendInteger(UInt32(1), to: &checkpoint)
        checkpoint += text("payload:x")
        LogCodec.appendInteger(UInt64(7), to: &checkpoint)
        frame(checkpoint)
        var body: [UInt8] = [1]
        LogCodec.appendInteger(UInt64(4), to: &body)
        LogCodec.appendInteger(UInt64(1_700_000_000_000), to: &body)
        body.append(0)
        body += text("order:a") + text("order_update")
        LogCodec.appendInteger(UInt32(2), to: &body)
        body += Array("{}".utf8)
        frame(body)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(segment).write(to: URL(fileURLWithPath: directory + "/log-1.seg"))

        let recovered = try DurableLog(directory: directory).recover(keepPerChannel: 10)
        XCTAssertEqual(recovered.warnings, [])
        XCTAssertEqual(recovered.channels["payload:x"]?.lastSeq, 7)
        XCTAssertEqual(recovered.channels["order:a"]?.lastSeq, 4)
        XCTAssertEqual(recovered.channels["order:a"]?.epoch, "", "no epoch was written: the caller names one")
        XCTAssertEqual(recovered.channels["order:a"]?.records.first?.payload, Array("{}".utf8))
    }

    func testAMachineRestartWhileTheLogWasOpenStartsANewNumbering() throws {
        for seq in UInt64(1)...3 { try DurableLog(directory: directory, bootID: "boot-a").append(record("order:a", seq)) }
        // Same boot (a process crash, kill -9): every write(2) reached the kernel, nothing is doubted.
        XCTAssertEqual(try DurableLog(directory: directory, bootID: "boot-a").recover(keepPerChannel: 10).channels["order:a"]?.lastSeq, 3)
        // Another boot with the log left open and fsync never: the page cache may have lost records.
        let rebooted = try DurableLog(directory: directory, bootID: "boot-b").recover(keepPerChannel: 10)
        XCTAssertTrue(rebooted.startedOver)
        XCTAssertTrue(rebooted.channels.isEmpty)
        XCTAssertTrue(rebooted.warnings[0].contains("machine restarted"), rebooted.warnings[0])
    }

    func testACleanCloseOrFsyncAlwaysSurvivesAMachineRestart() throws {
        let closing = try DurableLog(directory: directory, bootID: "boot-a")
        try closing.append(record("order:a", 1))
        closing.close()
        let afterClose = try DurableLog(directory: directory, bootID: "boot-b").recover(keepPerChannel: 10)
        XCTAssertFalse(afterClose.startedOver, "closed cleanly: everything was written before the restart")
        XCTAssertEqual(afterClose.channels["order:a"]?.lastSeq, 1)

        let other = directory + "/always"
        try DurableLog(directory: other, fsync: .always, bootID: "boot-a").append(record("order:a", 1))
        let synced = try DurableLog(directory: other, bootID: "boot-b").recover(keepPerChannel: 10)
        XCTAssertFalse(synced.startedOver, "every record was fsynced before its ack")
        XCTAssertEqual(synced.channels["order:a"]?.lastSeq, 1)
        XCTAssertFalse(DurableLog.currentBootID().isEmpty, "Linux names its boot")
    }
}
