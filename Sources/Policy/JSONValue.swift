/// A JSON value as the policy reader sees it.
///
/// Objects keep their keys in file order (so the first unknown field reported
/// is the first one in the file) and the reader refuses duplicate keys:
/// Foundation's JSONSerialization silently keeps the last of two
/// `"subscribe"` keys, and a policy must never be weakened by such a slip.
enum JSONValue: Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// `isInteger` is true when the literal had no fraction and no exponent,
    /// so `"burst": 2.5` and `"burst": 1e3` can be told apart from `20`.
    case number(Double, isInteger: Bool)
    case bool(Bool)
    case null

    /// The JSON type name, for "expected an array, found a string" messages.
    var typeName: String {
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

/// A syntax error with its 1-based position in the file.
struct JSONSyntaxError: Error, Sendable, Equatable {
    let line: Int
    let column: Int
    let message: String

    var description: String { "invalid JSON at line \(line), column \(column): \(message)" }
}
