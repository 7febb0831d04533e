/// Builds the text of one flat JSON object, field by field, in the order
/// written (payloads read the same in every run). Keys are the caller's
/// own; string values are escaped by `JSONStringEscaper`.
public struct JSONObjectWriter: Sendable {
    private var text = "{"
    private var empty = true

    public init() {}

    public mutating func string(_ key: String, _ value: String) {
        raw(key, JSONStringEscaper.quoted(value))
    }

    public mutating func integer(_ key: String, _ value: Int64) {
        raw(key, String(value))
    }

    /// A Double as JSON: integral values without a fraction, non-finite ones as null.
    public mutating func number(_ key: String, _ value: Double) {
        guard value.isFinite else { return raw(key, "null") }
        raw(key, value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value))
    }

    /// A value already written as JSON (a fixed-point number, say).
    public mutating func raw(_ key: String, _ json: String) {
        if !empty { text += "," }
        empty = false
        text += JSONStringEscaper.quoted(key)
        text += ":"
        text += json
    }

    public var json: String { text + "}" }
}
