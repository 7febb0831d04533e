import Glibc

// Durable-log recovery over damaged segments: the input is split into one or
// two segment files (the first byte says where), the log recovers them, and
// then must behave: what it recovered is ordered, every index read gives
// consecutive records, and one more append survives a reopen.
let directory = "/tmp/streamd-fuzz-durable-\(getpid())"

func writeFile(_ path: String, _ bytes: ArraySlice<UInt8>) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "open \(path): errno \(errno)")
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

func clearDirectory() {
    mkdir(directory, 0o700)
    for number in 1...4 { unlink("\(directory)/log-\(number).seg") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    clearDirectory()
    let body = input[1...]
    if input[0] & 1 == 1 {
        let split = body.startIndex + body.count * Int(input[0] >> 1) / 128
        writeFile("\(directory)/log-1.seg", body[..<split])
        writeFile("\(directory)/log-2.seg", body[split...])
    } else {
        writeFile("\(directory)/log-1.seg", body)
    }

    let channel = "order:fuzz"
    var next = (epoch: "fuzzfuzzfuzz", seq: UInt64(1))
    do {
        let log = try DurableLog(directory: directory, bootID: "fuzz")
        let recovered = try log.recover(keepPerChannel: 8)
        for (name, state) in recovered.channels {
            var previous: UInt64 = 0
            for record in state.records {
                precondition(record.channel == name, "a record recovered under another channel")
                precondition(record.seq > previous && record.seq <= state.lastSeq, "recovered records out of order")
                previous = record.seq
            }
            if let oldest = log.oldest(of: name, epoch: state.epoch),
               case .records(let records) = try log.read(channel: name, epoch: state.epoch, from: oldest.seq,
                                                         maxCount: 64, maxBytes: 1 << 20) {
                for (offset, record) in records.enumerated() {
                    precondition(record.seq == oldest.seq + UInt64(offset), "an index read skipped a seq")
                    precondition(record.channel == name, "an index read crossed channels")
                }
            }
        }
        if let state = recovered.channels[channel], !recovered.startedOver { next = (state.epoch, state.lastSeq + 1) }
        try log.append(DurableRecord(channel: channel, seq: next.seq, timeMilliseconds: 1, expiresAtMilliseconds: nil,
                                     type: "order_update", payload: Array("{}".utf8), epoch: next.epoch))
        log.close()
    } catch {
        return 0  // an I/O refusal, not damage handling: nothing to check
    }
    do {
        let reopened = try DurableLog(directory: directory, bootID: "fuzz")
        let again = try reopened.recover(keepPerChannel: 8)
        precondition(!again.startedOver, "a cleanly closed log started over")
        let state = again.channels[channel]
        precondition(state?.lastSeq == next.seq && state?.epoch == next.epoch, "the append after recovery was lost")
        reopened.close()
    } catch {
        preconditionFailure("reopening a log this process just wrote failed: \(error)")
    }
    return 0
}
