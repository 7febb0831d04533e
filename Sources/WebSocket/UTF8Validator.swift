/// An incremental UTF-8 validator (Unicode 15 §3.9, Table 3-7).
///
/// WebSocket text arrives in fragments and partial frames that may split a
/// code point anywhere, and RFC 6455 §8.1 wants the connection failed as soon
/// as the bytes cannot be UTF-8, not when the message ends (Autobahn 6.4.x).
/// So the validator keeps the only state that matters between calls: how many
/// continuation bytes are still owed and which range the next one must fall in.
/// That range is what rejects overlongs (E0 80..9F, F0 80..8F), surrogates
/// (ED A0..BF) and code points above U+10FFFF (F4 90..BF) without a table.
public struct UTF8Validator: Sendable, Hashable {
    /// Continuation bytes still expected for the current code point.
    @usableFromInline var pending: UInt8 = 0
    /// Inclusive range allowed for the next continuation byte.
    @usableFromInline var lower: UInt8 = 0x80
    @usableFromInline var upper: UInt8 = 0xBF
    /// Sticky: once invalid, always invalid until `reset()`.
    @usableFromInline var failed = false

    public init() {}

    /// True when the bytes so far end on a code point boundary; a text message
    /// whose last fragment leaves this false is truncated (close code 1007).
    @inlinable
    public var isComplete: Bool { pending == 0 && !failed }

    /// False once any invalid sequence has been seen.
    @inlinable
    public var isValid: Bool { !failed }

    @inlinable
    public mutating func reset() { self = UTF8Validator() }

    /// Feeds more bytes; returns false as soon as they cannot be UTF-8.
    @inlinable
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !failed else { return false }
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        var pending = self.pending
        var lower = self.lower
        var upper = self.upper
        defer {
            self.pending = pending
            self.lower = lower
            self.upper = upper
        }
        while index < count {
            if pending == 0 {
                // Messages are mostly ASCII JSON: skip eight ASCII bytes per step.
                while index &+ 8 <= count {
                    let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    index &+= 8
                }
                guard index < count else { break }
                let lead = base.load(fromByteOffset: index, as: UInt8.self)
                index &+= 1
                switch lead {
                case 0x00...0x7F:
                    continue
                case 0xC2...0xDF:
                    pending = 1; lower = 0x80; upper = 0xBF
                case 0xE0:
                    pending = 2; lower = 0xA0; upper = 0xBF
                case 0xE1...0xEC, 0xEE...0xEF:
                    pending = 2; lower = 0x80; upper = 0xBF
                case 0xED:
                    pending = 2; lower = 0x80; upper = 0x9F
                case 0xF0:
                    pending = 3; lower = 0x90; upper = 0xBF
                case 0xF1...0xF3:
                    pending = 3; lower = 0x80; upper = 0xBF
                case 0xF4:
                    pending = 3; lower = 0x80; upper = 0x8F
                default:
                    // 80..BF without a lead, C0/C1 (always overlong), F5..FF.
                    failed = true
                    return false
                }
            } else {
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                index &+= 1
                guard byte >= lower && byte <= upper else {
                    failed = true
                    return false
                }
                pending &-= 1
                lower = 0x80
                upper = 0xBF
            }
        }
        return true
    }

    /// Convenience for tests and callers holding an array.
    @inlinable
    public mutating func validate(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { validate($0) }
    }
}
