import Glibc

// The audit chain verifier over edited logs. The input both writes a chain
// (events whose strings come from the input) and says how to edit it: the
// untouched chain must verify, every edit of one byte inside a line must be
// caught, and any bytes at all as a file must give a report, not a crash.
let path = "/tmp/streamd-fuzz-audit-\(getpid()).log"

func writeFile(_ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "open \(path): errno \(errno)")
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 4 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let body = Array(input[4...])

    // Any bytes as an audit file.
    writeFile(body)
    let raw = AuditVerifier.verify(files: [path])
    let lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
    precondition(raw.linesChecked <= lines, "more lines checked than the file has")

    // A chain written from the input's strings, then one byte of it edited.
    var encoder = AuditLineEncoder()
    var file: [UInt8] = []
    var prev = AuditLineEncoder.genesisHash
    let fields = body.split(separator: 0, omittingEmptySubsequences: false).prefix(12).map { String(decoding: $0, as: UTF8.self) }
    for (index, text) in fields.enumerated() {
        let event = AuditEvent(event: "fuzz", outcome: index % 2 == 0 ? "allow" : "deny", reason: text,
                               subject: fields[(index + 1) % fields.count], details: [(text, .string(text)), ("n", .int(Int64(index)))],
                               timeMilliseconds: Int64(index) * 1_000)
        prev = encoder.encode(event, seq: Int64(index + 1), prev: prev, into: &file)
    }
    writeFile(file)
    let clean = AuditVerifier.verify(files: [path])
    precondition(clean.isValid && clean.linesChecked == fields.count, "an untouched chain did not verify: \(String(describing: clean.firstProblem))")

    let position = (Int(input[0]) << 16 | Int(input[1]) << 8 | Int(input[2])) % file.count
    let mask = input[3] == 0 ? 1 : input[3]
    // The final newline is left alone: a missing one reads as a torn write.
    guard position < file.count - 1 else { return 0 }
    file[position] ^= mask
    writeFile(file)
    let edited = AuditVerifier.verify(files: [path])
    precondition(!edited.isValid, "an edited byte at \(position) went unnoticed")
    return 0
}
