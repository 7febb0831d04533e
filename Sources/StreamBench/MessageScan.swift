/// The few fields the bench needs from a server message, found by scanning
/// the bytes rather than decoding JSON: at thousands of deliveries per second
/// per thread, a full JSON parse per message would make the generator the
/// bottleneck. The server writes these fields itself, so their spelling is fixed
/// (`{"type":"tick","channel":...,"seq":N,...,"data":{...,"t_ns":N}}`).
public struct MessageScan: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case stream, welcome, subscribed, ack, error, other
    }

    public let kind: Kind
    /// A stream message's `seq` (first `"seq":` in the message: the envelope's).
    public let seq: Int64?
    /// The publisher's send time, `"t_ns":` inside `data`.
    public let sentNanoseconds: Int64?
    /// The echoed request `id` of an `ack` or `error` (the bench sends numbers).
    public let id: Int64?

    public init(_ bytes: [UInt8]) {
        kind = Self.kind(bytes)
        seq = kind == .stream ? Self.integer(after: Self.seqKey, in: bytes) : nil
        sentNanoseconds = kind == .stream ? Self.integer(after: Self.sentKey, in: bytes) : nil
        id = kind == .ack || kind == .error ? Self.integer(after: Self.idKey, in: bytes) : nil
    }

    /// A `subscribed` answer that refused a channel (`"denied":[{...}]`).
    public static func deniesSomething(_ bytes: [UInt8]) -> Bool {
        find(Array(#""denied":[{"#.utf8), in: bytes) != nil
    }

    static let typeKey = Array(#""type":""#.utf8)
    static let seqKey = Array(#""seq":"#.utf8)
    static let sentKey = Array(#""t_ns":"#.utf8)
    static let idKey = Array(#""id":"#.utf8)

    static func kind(_ bytes: [UInt8]) -> Kind {
        guard let start = find(typeKey, in: bytes) else { return .other }
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += 1 }
        switch bytes[start..<end].count {
        case 4 where bytes[start..<end].elementsEqual("tick".utf8): return .stream
        case 7 where bytes[start..<end].elementsEqual("welcome".utf8): return .welcome
        case 10 where bytes[start..<end].elementsEqual("subscribed".utf8): return .subscribed
        case 3 where bytes[start..<end].elementsEqual("ack".utf8): return .ack
        case 5 where bytes[start..<end].elementsEqual("error".utf8): return .error
        default: return .other
        }
    }

    /// The integer right after `key`, nil when the key is absent or no digits follow.
    static func integer(after key: [UInt8], in bytes: [UInt8]) -> Int64? {
        guard var i = find(key, in: bytes) else { return nil }
        while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 }
        var value: Int64 = 0
        var digits = 0
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(bytes[i] - 0x30))
            if o1 || o2 { return nil }  // not a number we sent
            value = next
            digits += 1
            i += 1
        }
        return digits > 0 ? value : nil
    }

    /// The index just past the first occurrence of `needle`.
    static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count, let first = needle.first else { return nil }
        var i = 0
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == first {
                var j = 1
                while j < needle.count, bytes[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i + needle.count }
            }
            i += 1
        }
        return nil
    }
}
