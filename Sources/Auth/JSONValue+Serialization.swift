import TextFormat
extension JSONValue {
    /// Compact JSON text, members in sorted order so output is reproducible.
    var serialized: String {
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
        case .object(let members):
            out += "{"
            for (position, name) in members.keys.sorted().enumerated() {
                if position > 0 { out += "," }
                out += JSONStringEscaper.quoted(name)
                out += ":"
                members[name]!.write(into: &out)
            }
            out += "}"
        }
    }

    static func integer(_ value: Int64) -> JSONValue {
        .number(JSONNumber(literal: String(value)))
    }

    static func strings(_ values: [String]) -> JSONValue {
        .array(values.map { .string($0) })
    }
}
