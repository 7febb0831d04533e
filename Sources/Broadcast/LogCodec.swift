/// The on-disk framing. Every entry is one write(2) of
///
///     magic "SDLG" (4 bytes) | body length u32 | CRC-32 of the body u32 | body
///
/// and a body is, all integers little-endian:
///
///     record:     0x03 | seq u64 | time_ms i64 | flags u8 (bit 0: has expiry,
///                 bit 1: has idempotency key) | [expires_ms i64] | channel (u16
///                 length + UTF-8) | type (u16 + UTF-8) | epoch (u16 + UTF-8)
///                 | [idempotency key (u16 + UTF-8)] | payload (u32 length + bytes)
///     checkpoint: 0x04 | count u32 | count × (channel (u16 + UTF-8) | epoch (u16
///                 + UTF-8) | last seq u64)
///
///     opened:     0x05 | fsync u8 (0 never, 1 interval, 2 always) | boot id (u16 + UTF-8)
///     closed:     0x06
///
/// Logs written before epochs hold 0x01 records (no epoch, no key, flags
/// bit 0 only) and 0x02 checkpoints (no epochs); both are still read.
///
/// Binary rather than JSON: no Foundation, no escaping, and a body either
/// parses exactly or is rejected.
enum LogCodec {
    static let magic: [UInt8] = [0x53, 0x44, 0x4C, 0x47]  // "SDLG"
    static let headerBytes = 12
    /// A larger length field is taken for corruption, never allocated.
    static let maxBodyBytes = 64 << 20

    static func appendFramed(_ record: DurableRecord, to out: inout [UInt8]) throws(DurableLogError) {
        try frame(into: &out) { body throws(DurableLogError) in
            body.append(3)
            appendInteger(record.seq, to: &body)
            appendInteger(UInt64(bitPattern: record.timeMilliseconds), to: &body)
            body.append((record.expiresAtMilliseconds == nil ? 0 : 1) | (record.idempotencyKey == nil ? 0 : 2))
            if let expiry = record.expiresAtMilliseconds { appendInteger(UInt64(bitPattern: expiry), to: &body) }
            try appendText(record.channel, to: &body, what: "channel")
            try appendText(record.type, to: &body, what: "type")
            try appendText(record.epoch, to: &body, what: "epoch")
            if let key = record.idempotencyKey { try appendText(key, to: &body, what: "idempotency key") }
            appendInteger(UInt32(record.payload.count), to: &body)
            body.append(contentsOf: record.payload)
        }
    }

    static func appendFramedCheckpoint(_ positions: [String: LogPosition], to out: inout [UInt8]) throws(DurableLogError) {
        try frame(into: &out) { body throws(DurableLogError) in
            body.append(4)
            appendInteger(UInt32(positions.count), to: &body)
            for (channel, position) in positions {
                try appendText(channel, to: &body, what: "channel")
                try appendText(position.epoch, to: &body, what: "epoch")
                appendInteger(position.lastSeq, to: &body)
            }
        }
    }

    static func appendFramedOpened(bootID: String, fsync: DurableFsync, to out: inout [UInt8]) throws(DurableLogError) {
        try frame(into: &out) { body throws(DurableLogError) in
            body.append(5)
            body.append(UInt8(DurableFsync.allCases.firstIndex(of: fsync)!))
            try appendText(bootID, to: &body, what: "boot id")
        }
    }

    static func appendFramedClosed(to out: inout [UInt8]) throws(DurableLogError) {
        try frame(into: &out) { body throws(DurableLogError) in body.append(6) }
    }

    /// Decodes one body, or nil when it is not exactly a valid entry.
    static func decode(_ body: ArraySlice<UInt8>) -> LogEntry? {
        var reader = ByteReader(body)
        switch reader.byte() {
        case let tag? where tag == 1 || tag == 3:
            let current = tag == 3
            guard let seq = reader.integer(UInt64.self), let time = reader.integer(UInt64.self),
                  let flags = reader.byte(), flags <= (current ? 3 : 1) else { return nil }
            var expiry: Int64?
            if flags & 1 != 0 {
                guard let value = reader.integer(UInt64.self) else { return nil }
                expiry = Int64(bitPattern: value)
            }
            guard let channel = reader.text(), let type = reader.text() else { return nil }
            var epoch = "", key: String?
            if current {
                guard let text = reader.text() else { return nil }
                epoch = text
                if flags & 2 != 0 {
                    guard let text = reader.text() else { return nil }
                    key = text
                }
            }
            guard let length = reader.integer(UInt32.self), let payload = reader.bytes(Int(length)),
                  reader.isAtEnd else { return nil }
            return .record(DurableRecord(channel: channel, seq: seq, timeMilliseconds: Int64(bitPattern: time),
                                         expiresAtMilliseconds: expiry, type: type, payload: Array(payload),
                                         epoch: epoch, idempotencyKey: key))
        case let tag? where tag == 2 || tag == 4:
            let legacy = tag == 2
            guard let count = reader.integer(UInt32.self), Int(count) <= body.count else { return nil }
            var entries: [(channel: String, position: LogPosition)] = []
            entries.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let channel = reader.text() else { return nil }
                var epoch = ""
                if !legacy {
                    guard let text = reader.text() else { return nil }
                    epoch = text
                }
                guard let seq = reader.integer(UInt64.self) else { return nil }
                entries.append((channel, LogPosition(epoch: epoch, lastSeq: seq)))
            }
            return reader.isAtEnd ? .checkpoint(entries, legacy: legacy) : nil
        case 5:
            guard let policy = reader.byte(), Int(policy) < DurableFsync.allCases.count, let bootID = reader.text(),
                  reader.isAtEnd else { return nil }
            return .opened(bootID: bootID, fsync: DurableFsync.allCases[Int(policy)])
        case 6:
            return reader.isAtEnd ? .closed : nil
        default:
            return nil
        }
    }

    /// Appends header placeholder + body, then fills in length and CRC.
    private static func frame(into out: inout [UInt8], _ writeBody: (inout [UInt8]) throws(DurableLogError) -> Void) throws(DurableLogError) {
        let headerStart = out.count
        out.append(contentsOf: magic)
        out.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        let bodyStart = out.count
        try writeBody(&out)
        let length = out.count - bodyStart
        guard length <= maxBodyBytes else {
            out.removeSubrange(headerStart...)
            throw DurableLogError("a log entry of \(length) bytes is over the \(maxBodyBytes)-byte limit")
        }
        let crc = out.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[bodyStart...])) }
        store(UInt32(length), in: &out, at: headerStart + 4)
        store(crc, in: &out, at: headerStart + 8)
    }

    private static func appendText(_ text: String, to out: inout [UInt8], what: String) throws(DurableLogError) {
        let utf8 = text.utf8
        guard utf8.count <= Int(UInt16.max) else {
            throw DurableLogError("a \(what) of \(utf8.count) bytes is too long for the log (at most 65535)")
        }
        appendInteger(UInt16(utf8.count), to: &out)
        out.append(contentsOf: utf8)
    }

    static func appendInteger<T: FixedWidthInteger & UnsignedInteger>(_ value: T, to out: inout [UInt8]) {
        var remaining = value
        for _ in 0..<(T.bitWidth / 8) {
            out.append(UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        }
    }

    static func store(_ value: UInt32, in out: inout [UInt8], at index: Int) {
        for shift in 0..<4 { out[index + shift] = UInt8(truncatingIfNeeded: value >> (8 * shift)) }
    }

    static func loadUInt32(_ bytes: [UInt8], at index: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[index + $1]) << (8 * $1) }
    }
}

/// Bounds-checked little-endian reads; every read returns nil past the end.
struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var isAtEnd: Bool { index == bytes.endIndex }

    mutating func byte() -> UInt8? {
        guard index < bytes.endIndex else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func integer<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) -> T? {
        guard let raw = bytes(T.bitWidth / 8) else { return nil }
        var value: T = 0
        for (shift, byte) in raw.enumerated() { value |= T(byte) << (8 * shift) }
        return value
    }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, bytes.endIndex - index >= count else { return nil }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    mutating func text() -> String? {
        guard let length = integer(UInt16.self), let raw = bytes(Int(length)) else { return nil }
        return String(decoding: raw, as: UTF8.self)
    }
}
