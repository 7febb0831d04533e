import Base
import TLS

/// The chain position of one line: what the next line must continue from.
struct AuditChainLink: Equatable {
    var seq: Int64
    /// 64 lowercase hex bytes.
    var prev: [UInt8]
    var hash: [UInt8]

    static let genesis = AuditChainLink(seq: 0, prev: [], hash: AuditLineEncoder.genesisHash)
}

/// Why one line cannot be trusted, in words for an auditor.
struct AuditLineError: Error {
    let text: String
    init(_ text: String) { self.text = text }
}

/// Checks one line against itself: valid JSON, canonical layout (`{"seq":N,` first,
/// `,"prev":"…","hash":"…"}` last) and a hash that matches its bytes. Used by `verify`
/// for every line and by `AuditLog.init` for the last line it continues from. The
/// chain between lines (seq + 1, prev = previous hash) is the caller's business.
enum AuditLineCheck {
    /// `,"prev":"` 64 hex `","hash":"` 64 hex `"}`
    static let tailLength = 9 + 64 + 10 + 64 + 2
    /// The bytes after the hashed prefix: `,"hash":"` 64 hex `"}`
    static let hashMemberLength = 9 + 64 + 2

    struct Checked {
        var link: AuditChainLink
        /// The parsed line, for notes (audit_gap) and queries.
        var object: JSONObject
    }

    /// The line as a JSON object, read strictly (the writer never repeats a
    /// name), or nil.
    static func object(_ line: [UInt8]) -> JSONObject? {
        (try? JSONReader.parse(line, maximumDepth: JSONReader.defaultMaximumDepth, allowingByteOrderMark: true))?.objectValue
    }

    static func check(_ line: [UInt8]) throws(AuditLineError) -> Checked {
        if line.isEmpty { throw AuditLineError("empty line") }
        guard let object = object(line) else { throw AuditLineError("not a JSON object: the line is truncated or damaged") }

        let seqPrefix = Array(#"{"seq":"#.utf8)
        guard line.starts(with: seqPrefix), let (seq, afterSeq) = digits(in: line, from: seqPrefix.count),
            afterSeq < line.count, line[afterSeq] == UInt8(ascii: ","), seq >= 1
        else { throw AuditLineError(#"does not start with {"seq":N, as the writer writes it"#) }

        guard line.count >= seqPrefix.count + tailLength + 1 else {
            throw AuditLineError(#"does not end with ,"prev":"…","hash":"…"} as the writer writes it"#)
        }
        let tail = Array(line[(line.count - tailLength)...])
        let prev = Array(tail[9..<73])
        let hash = Array(tail[83..<147])
        guard tail[0..<9].elementsEqual(#","prev":""#.utf8), tail[73..<83].elementsEqual(#"","hash":""#.utf8),
            tail[147...].elementsEqual("\"}".utf8), isLowerHex(prev), isLowerHex(hash)
        else {
            throw AuditLineError(
                #"does not end with ,"prev":"<64 hex>","hash":"<64 hex>"}: the line was rewritten or damaged"#)
        }

        var input = prev
        input.append(UInt8(ascii: "\n"))
        input.append(contentsOf: line[..<(line.count - hashMemberLength)])
        guard AuditLineEncoder.hex(Digest.sha256(input)) == hash else {
            throw AuditLineError("hash does not match the line's contents: the line was edited")
        }
        return Checked(link: AuditChainLink(seq: seq, prev: prev, hash: hash), object: object)
    }

    /// A canonical non-negative decimal (no sign, no leading zero) and the index after it.
    private static func digits(in line: [UInt8], from start: Int) -> (Int64, Int)? {
        var index = start
        var value: Int64 = 0
        while index < line.count, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9") {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(line[index] - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
            index += 1
        }
        let count = index - start
        if count == 0 || (count > 1 && line[start] == UInt8(ascii: "0")) { return nil }
        return (value, index)
    }

    private static func isLowerHex(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }
}
