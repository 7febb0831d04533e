/// Reading without building: the same grammar, depth rule and refusals as
/// `parse` (duplicate names included), for a caller that wants a few
/// members of an object and the rest only checked and stepped over, such as
/// the publish fast path, which forwards `data` byte for byte.
///
///     var reader = JSONReader(bytes, maximumDepth: 32)
///     var object = try reader.beginObject()
///     while let name = try reader.nextName(in: &object) {
///         ... try reader.readPlainString(), or try reader.skipValue() ...
///     }
///     try reader.finish()
///
/// Nothing is allocated but one list of the open objects' names (to refuse
/// a duplicate); strings are only decoded when one is asked for, or when
/// two names can only be compared that way.
extension JSONReader {
    /// A name in an object being read, as written between its quotes.
    public struct Name: Sendable, Equatable {
        /// The bytes between the quotes.
        public let range: Range<Int>
        /// The name has a backslash escape (its text is not its bytes).
        public let isEscaped: Bool
    }

    /// An object being read member by member (from `beginObject`).
    public struct OpenObject: Sendable {
        fileprivate let firstName: Int
        fileprivate var hasMembers = false
    }

    /// The offset of the next byte.
    public var position: Int { index }

    /// The next byte that is not whitespace (skipping it), or nil at the end.
    public mutating func nextByte() -> UInt8? {
        skipWhitespace()
        return current
    }

    /// Whitespace, then `{`; counts towards the depth until `nextName`
    /// returns nil.
    public mutating func beginObject() throws(JSONSyntaxError) -> OpenObject {
        skipWhitespace()
        guard current == UInt8(ascii: "{") else { throw error("expected '{'") }
        try enter()
        index += 1
        if openNames.capacity == 0 { openNames.reserveCapacity(16) }  // one allocation for a usual document
        return OpenObject(firstName: openNames.count)
    }

    /// The next member's name, the reader left at its value (which the
    /// caller must read or skip before asking again); nil after the
    /// closing `}`. A name already seen in this object is refused.
    public mutating func nextName(in object: inout OpenObject) throws(JSONSyntaxError) -> Name? {
        skipWhitespace()
        if object.hasMembers {
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): return close(object)
            default: throw error("expected ',' or '}' (a trailing comma or a missing comma?)")
            }
            skipWhitespace()
        } else if current == UInt8(ascii: "}") {
            return close(object)
        }
        guard current == UInt8(ascii: "\"") else { throw error("expected a quoted field name") }
        let keyStart = index
        let shape = try skipString()
        var name = SkippedName(range: (keyStart + 1)..<(index - 1), isEscaped: shape.escaped, isASCII: shape.ascii)
        for earlier in object.firstName..<openNames.count where isDuplicate(&name, of: earlier) {
            index = keyStart
            throw error("field \"\(name.text ?? decodedName(name))\" appears twice in the same object")
        }
        openNames.append(name)
        object.hasMembers = true
        skipWhitespace()
        guard current == UInt8(ascii: ":") else { throw error("expected ':' after field name") }
        index += 1
        skipWhitespace()
        return Name(range: name.range, isEscaped: name.isEscaped)
    }

    private mutating func close(_ object: OpenObject) -> Name? {
        index += 1
        depth -= 1
        openNames.removeSubrange(object.firstName...)
        return nil
    }

    /// A string value without escapes: its text (checked as `parse` checks
    /// it). Nil, reading nothing, when the value is not a string or has
    /// an escape.
    public mutating func readPlainString() throws(JSONSyntaxError) -> String? {
        guard current == UInt8(ascii: "\"") else { return nil }
        let start = index
        guard try !skipString().escaped else {
            index = start
            return nil
        }
        return String(decoding: bytes[(start + 1)..<(index - 1)], as: UTF8.self)
    }

    /// Checks one value as `parse` would read it and steps over it; the
    /// bytes it spans.
    @discardableResult
    public mutating func skipValue() throws(JSONSyntaxError) -> Range<Int> {
        let start = index
        guard let byte = current else { throw error("unexpected end of file") }
        switch byte {
        case UInt8(ascii: "{"):
            var object = try beginObject()
            while try nextName(in: &object) != nil { try skipValue() }
        case UInt8(ascii: "["): try skipArray()
        case UInt8(ascii: "\""): _ = try skipString()
        case UInt8(ascii: "t"): try expect("true")
        case UInt8(ascii: "f"): try expect("false")
        case UInt8(ascii: "n"): try expect("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw error("unexpected character '\(Unicode.Scalar(byte))'")
        }
        return start..<index
    }

    /// After the top-level value: only whitespace may follow.
    public mutating func finish() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected text after the top-level value") }
    }

    private mutating func skipArray() throws(JSONSyntaxError) {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return }
        while true {
            skipWhitespace()
            try skipValue()
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return
            default: throw error("expected ',' or ']'")
            }
        }
    }

    /// Checks a string as `readString` does (escapes, surrogate pairs,
    /// control characters, UTF-8) without assembling its text.
    private mutating func skipString() throws(JSONSyntaxError) -> (escaped: Bool, ascii: Bool) {
        index += 1  // opening quote
        let start = index
        var escaped = false
        var highBits: UInt8 = 0
        while true {
            // Ordinary bytes (most of a long string) in a loop of their own.
            let from = index
            index = bytes.withUnsafeBufferPointer { buffer in
                var offset = from
                while offset < buffer.count {
                    let byte = buffer[offset]
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                    highBits |= byte
                    offset += 1
                }
                return offset
            }
            guard let byte = current else { throw error("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                // Escapes are ASCII, so checking the whole run checks each piece between them.
                let ascii = highBits < 0x80
                guard ascii || Self.isValidUTF8(bytes[start..<index]) else { throw invalidUTF8(at: start) }
                index += 1
                return (escaped, ascii)
            case UInt8(ascii: "\\"):
                escaped = true
                index += 1
                _ = try readEscape()
            default:
                throw error("control character in string (escape it)")
            }
        }
    }

    private static func isValidUTF8(_ utf8: ArraySlice<UInt8>) -> Bool {
        var iterator = utf8.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Whether a name is one to `parse` with the earlier one at `index` in
    /// `openNames` (Strings compare by canonical equivalence): plain ASCII
    /// by its bytes; anything else as text, each name decoded at most once
    /// so that comparing every pair costs what it costs `parse`.
    private mutating func isDuplicate(_ name: inout SkippedName, of earlier: Int) -> Bool {
        if name.isPlain && openNames[earlier].isPlain {
            let other = openNames[earlier].range
            return name.range.count == other.count && bytes[name.range].elementsEqual(bytes[other])
        }
        if name.text == nil { name.text = decodedName(name) }
        if openNames[earlier].text == nil { openNames[earlier].text = decodedName(openNames[earlier]) }
        return name.text == openNames[earlier].text
    }

    private func decodedName(_ name: SkippedName) -> String {
        var reader = JSONReader(bytes, maximumDepth: maximumDepth)
        reader.index = name.range.lowerBound - 1
        return (try? reader.readString()) ?? ""  // checked as it was skipped
    }
}

/// A name of an object open in a skip, with what comparing it needs.
struct SkippedName {
    let range: Range<Int>
    let isEscaped: Bool
    let isASCII: Bool
    /// Its text, once a comparison has needed it.
    var text: String?

    init(range: Range<Int>, isEscaped: Bool, isASCII: Bool) {
        self.range = range
        self.isEscaped = isEscaped
        self.isASCII = isASCII
    }

    /// Its text is its bytes: two plain names are one exactly when their bytes are equal.
    var isPlain: Bool { isASCII && !isEscaped }
}
