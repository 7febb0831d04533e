import TLS
import TextFormat

/// Turns an `AuditEvent` into one chained line, byte by byte, exactly as documented at the
/// top of `AuditLog.swift`. Runs on the writer thread only. Strings are escaped here
/// rather than by JSONSerialization so the bytes (and therefore the hash) depend on
/// nothing but the event, the seq and the previous hash.
struct AuditLineEncoder {
    /// The `prev` of the first line of a chain.
    static let genesisHash = [UInt8](repeating: UInt8(ascii: "0"), count: 64)

    /// Members the writer owns; a detail with one of these keys is renamed `detail_<key>`.
    static let fixedKeys: Set<String> = [
        "seq", "time", "event", "outcome", "reason", "session", "remote", "subject", "jti", "kid", "prev", "hash",
    ]

    /// Detail keys that would put a credential in the log; such details are dropped.
    static func namesCredential(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return lowered.hasSuffix("token") || lowered == "jwt" || lowered == "authorization"
            || lowered == "password" || lowered == "secret" || lowered == "cookie"
    }

    /// Detail keys dropped so far that the writer has not yet warned about.
    private(set) var droppedKeys: [String] = []
    private var reportedKeys: Set<String> = []
    /// `prev` + "\n" + the line up to its hash member: the hash input, built in place.
    private var scratch: [UInt8] = []

    /// Appends the line for `event` (with its newline) to `output`; returns its hash as
    /// 64 lowercase hex bytes, which is the next line's `prev`.
    mutating func encode(_ event: AuditEvent, seq: Int64, prev: [UInt8], into output: inout [UInt8]) -> [UInt8] {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: prev)
        scratch.append(UInt8(ascii: "\n"))
        let lineStart = scratch.count

        scratch.append(contentsOf: #"{"seq":"#.utf8)
        scratch.append(contentsOf: String(seq).utf8)
        scratch.append(contentsOf: #","time":""#.utf8)
        RFC3339.append(milliseconds: event.timeMilliseconds, to: &scratch)
        scratch.append(UInt8(ascii: "\""))
        appendMember("event", event.event)
        appendMember("outcome", event.outcome)
        appendMember("reason", event.reason)
        appendMember("session", event.session)
        appendMember("remote", event.remote)
        appendMember("subject", event.subject)
        appendMember("jti", event.jti)
        appendMember("kid", event.kid)
        appendDetails(event.details)
        scratch.append(contentsOf: #","prev":""#.utf8)
        scratch.append(contentsOf: prev)
        scratch.append(UInt8(ascii: "\""))

        let hash = Self.hex(Digest.sha256(scratch))
        output.append(contentsOf: scratch[lineStart...])
        output.append(contentsOf: #","hash":""#.utf8)
        output.append(contentsOf: hash)
        output.append(contentsOf: "\"}\n".utf8)
        return hash
    }

    mutating func takeDroppedKeys() -> [String] {
        defer { droppedKeys.removeAll() }
        return droppedKeys
    }

    private mutating func appendDetails(_ details: [(String, AuditValue)]) {
        guard !details.isEmpty else { return }
        var written: Set<String> = []
        for (key, value) in details {
            if Self.namesCredential(key) {
                if reportedKeys.insert(key).inserted { droppedKeys.append(key) }
                continue
            }
            let name = Self.fixedKeys.contains(key) ? "detail_" + key : key
            // A repeated key would make the line ambiguous JSON; the first one wins.
            guard written.insert(name).inserted else { continue }
            scratch.append(UInt8(ascii: ","))
            Self.appendString(name, to: &scratch)
            scratch.append(UInt8(ascii: ":"))
            switch value {
            case .string(let text):
                Self.appendString(text, to: &scratch)
            case .int(let number):
                scratch.append(contentsOf: String(number).utf8)
            case .double(let number):
                // Swift's shortest round-trip spelling ("0.1", "1e-05", "100.0") is valid JSON.
                scratch.append(contentsOf: (number.isFinite ? String(number) : "null").utf8)
            case .bool(let flag):
                scratch.append(contentsOf: (flag ? "true" : "false").utf8)
            }
        }
    }

    private mutating func appendMember(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        scratch.append(contentsOf: #",""#.utf8)
        scratch.append(contentsOf: UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        scratch.append(contentsOf: #"":"#.utf8)
        Self.appendString(value, to: &scratch)
    }

    /// JSON string with a fixed escaping: `"` and `\` escaped; control characters (C0, DEL,
    /// C1) and U+2028/U+2029 as `\n` `\r` `\t` `\b` `\f` or `\u00XX`, so a line can neither be
    /// split nor drive a terminal; every other character as raw UTF-8.
    /// A JSON string as audit lines write it: terminal controls escaped too,
    /// so an auditor's `less` or `cat` shows the line, not what it spells.
    static func appendString(_ text: String, to output: inout [UInt8]) {
        JSONStringEscaper.appendQuoted(text, to: &output, escapingTerminalControls: true)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0xF)])
        }
        return output
    }
}
