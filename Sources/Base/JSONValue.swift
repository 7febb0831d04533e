/// A JSON value (RFC 8259) as `JSONReader` gives it: exact types (a `true` is
/// never a number, `1` is never a bool), objects in document order with no
/// duplicate names, and numbers as the literal the sender wrote.
public enum JSONValue: Equatable, Sendable, ExpressibleByStringLiteral {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public init(stringLiteral text: String) {
        self = .string(text)
    }

    public var objectValue: JSONObject? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// The JSON type name, for "expected an array, found a string" messages.
    public var typeName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// A number kept as its literal, so integers stay exact past 2^53 and each
/// caller decides what a fraction or an exponent means to it.
public struct JSONNumber: Equatable, Sendable {
    public let literal: String

    public init(literal: String) {
        self.literal = literal
    }

    /// True when the literal has neither a fraction nor an exponent, so
    /// `2.5` and `1e3` can be told apart from `20`.
    public var isInteger: Bool {
        !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The value when the literal is an integer that fits in Int64.
    public var exactInteger: Int64? { Int64(literal) }

    /// The nearest Double (always finite: the reader refuses literals beyond its range).
    public var double: Double? { Double(literal) }
}

/// An object's members in document order. Names are unique (the reader
/// refuses duplicates), so lookup by name is unambiguous, and two objects
/// are equal when they hold the same members in any order, as RFC 8259 §4
/// has it.
public struct JSONObject: Equatable, Sendable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public typealias Member = (key: String, value: JSONValue)

    public private(set) var members: [Member]

    public init(_ members: [Member]) {
        self.members = members
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> Member { members[position] }

    /// The member named `key`; objects are small, so a scan beats hashing.
    public subscript(key: String) -> JSONValue? {
        for member in members where member.key == key { return member.value }
        return nil
    }

    public var keys: [String] { members.map(\.key) }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        return lhs.members.allSatisfy { member in rhs[member.key] == member.value }
    }
}
