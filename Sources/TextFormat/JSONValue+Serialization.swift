public import Base

extension JSONValue {
    /// Compact JSON text, members in sorted order so output is reproducible;
    /// numbers as their literals, strings as `JSONStringEscaper` writes them.
    public var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let number): out += number.literal
        case .string(let text): out += JSONStringEscaper.quoted(text)
        case .array(let elements):
            out += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { out += "," }
                element.write(into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (position, member) in object.members.sorted(by: { $0.key < $1.key }).enumerated() {
                if position > 0 { out += "," }
                out += JSONStringEscaper.quoted(member.key)
                out += ":"
                member.value.write(into: &out)
            }
            out += "}"
        }
    }

    public static func integer(_ value: Int64) -> JSONValue {
        .number(JSONNumber(literal: String(value)))
    }

    public static func strings(_ values: [String]) -> JSONValue {
        .array(values.map { .string($0) })
    }
}
