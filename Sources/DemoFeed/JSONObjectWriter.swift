/// Builds the text of one flat JSON object, field by field, in the order
/// written, so the demo's payloads read the same in every run.
struct JSONObjectWriter {
    private var text = "{"
    private var empty = true

    /// A string value, escaped as RFC 8259 requires.
    mutating func string(_ key: String, _ value: String) {
        beginField(key)
        Self.appendQuoted(value, to: &text)
    }

    /// A number from integer units at fixed decimals (`price`, `volume`).
    mutating func fixed(_ key: String, _ units: Int64, decimals: Int) {
        beginField(key)
        text += FixedPoint.format(units, decimals: decimals)
    }

    mutating func integer(_ key: String, _ value: Int64) {
        beginField(key)
        text += String(value)
    }

    var json: String {
        text + "}"
    }

    private mutating func beginField(_ key: String) {
        if !empty { text += "," }
        empty = false
        Self.appendQuoted(key, to: &text)
        text += ":"
    }

    private static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
