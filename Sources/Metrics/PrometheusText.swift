/// The small pieces of text exposition format 0.0.4 that need care: names,
/// escaping and numbers.
enum PrometheusText {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    static func isValidMetricName(_ name: String) -> Bool {
        isValid(name, allowColon: true)
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, minus the `__` prefix Prometheus reserves.
    static func isValidLabelName(_ name: String) -> Bool {
        isValid(name, allowColon: false) && !name.hasPrefix("__")
    }

    private static func isValid(_ name: String, allowColon: Bool) -> Bool {
        var first = true
        for byte in name.utf8 {
            let letter = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
            let digit = byte >= 0x30 && byte <= 0x39
            let colon = allowColon && byte == 0x3A
            guard letter || colon || (digit && !first) else { return false }
            first = false
        }
        return !first
    }

    /// HELP text escapes backslash and newline only.
    static func escapeHelp(_ text: String) -> String {
        escape(text, quotes: false)
    }

    /// Label values escape backslash, double quote and newline.
    static func escapeLabelValue(_ text: String) -> String {
        escape(text, quotes: true)
    }

    private static func escape(_ text: String, quotes: Bool) -> String {
        // Most values need nothing; avoid rebuilding them.
        guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A || (quotes && $0 == 0x22) }) else {
            return text
        }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for character in text.unicodeScalars {
            switch character {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\"" where quotes: result += "\\\""
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// `{a="x",b="y"}`, or nothing when there are no labels.
    static func labelSet(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        var text = "{"
        for (index, (name, value)) in labels.enumerated() {
            if index > 0 { text += "," }
            text += name
            text += "=\""
            text += escapeLabelValue(value)
            text += "\""
        }
        text += "}"
        return text
    }

    /// A sample value as Prometheus parses it: `+Inf`, `-Inf`, `NaN`, whole
    /// numbers without a trailing `.0`, others in Swift's shortest round-trip
    /// form (`0.25`, `5e-05`), which Go's ParseFloat reads back exactly.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        // Compared through Int64 rather than `rounded()`, which needs libm.
        if abs(value) < 9_007_199_254_740_992, value == Double(Int64(value)) {
            return String(Int64(value))
        }
        return value.description
    }
}
