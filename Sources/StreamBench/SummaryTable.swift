import TextFormat

/// The result of a run as rows of metric, value and unit: printed as an
/// aligned table, or as one JSON object for scripts (`--json`).
public struct SummaryTable: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public let key: String
        public let metric: String
        public let value: Value
        public let unit: String
    }

    public enum Value: Sendable, Equatable {
        case integer(Int64)
        case number(Double, decimals: Int)
        case text(String)
        /// Not measured (no samples, no metrics endpoint): "-" in the table, null in JSON.
        case missing
    }

    public private(set) var rows: [Row] = []
    /// Sentences printed under the table (and as `notes` in JSON), kept out of
    /// the columns so a long one does not widen them.
    public private(set) var notes: [String] = []

    public init() {}

    /// `key` names the field in JSON (snake_case); `metric` is the table's wording.
    public mutating func add(_ key: String, _ metric: String, _ value: Value, _ unit: String = "") {
        rows.append(Row(key: key, metric: metric, value: value, unit: unit))
    }

    public mutating func add(_ key: String, _ metric: String, _ value: Double?, decimals: Int, _ unit: String = "") {
        add(key, metric, value.map { .number($0, decimals: decimals) } ?? .missing, unit)
    }

    public mutating func note(_ text: String) { notes.append(text) }

    public func value(_ key: String) -> Value? { rows.first { $0.key == key }?.value }

    /// Three columns: metric left-aligned, value right-aligned, unit left-aligned.
    public func render() -> String {
        let header = Row(key: "", metric: "metric", value: .text("value"), unit: "unit")
        let all = [header] + rows
        let texts = all.map { Self.text($0.value) }
        let metricWidth = all.map(\.metric.count).max() ?? 0
        let valueWidth = texts.map(\.count).max() ?? 0
        var out = ""
        for (row, text) in zip(all, texts) {
            var line = row.metric.padding(metricWidth) + "  " + String(repeating: " ", count: valueWidth - text.count) + text
            if !row.unit.isEmpty { line += "  " + row.unit }
            out += line + "\n"
        }
        for note in notes { out += "note: \(note)\n" }
        return out
    }

    /// `{"scenario":"fanout","delivered_per_s":19980.1,...}` in row order.
    public func json() -> String {
        var fields = rows.map { "\(JSONStringEscaper.quoted($0.key)):\(Self.jsonValue($0.value))" }
        if !notes.isEmpty { fields.append("\"notes\":[" + notes.map(JSONStringEscaper.quoted).joined(separator: ",") + "]") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func text(_ value: Value) -> String {
        switch value {
        case .integer(let n): return String(n)
        case .number(let x, let decimals): return Self.fixed(x, decimals: decimals)
        case .text(let s): return s
        case .missing: return "-"
        }
    }

    static func jsonValue(_ value: Value) -> String {
        switch value {
        case .integer(let n): return String(n)
        case .number(let x, let decimals): return x.isFinite ? Self.fixed(x, decimals: decimals) : "null"
        case .text(let s): return JSONStringEscaper.quoted(s)
        case .missing: return "null"
        }
    }

    /// `x` with exactly `decimals` digits after the point, without Foundation's format strings.
    static func fixed(_ x: Double, decimals: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9e15 else { return String(x) }
        let whole = Int64(scaled)
        let unitPart = whole / Int64(scale)
        var text = (x < 0 && whole != 0 ? "-" : "") + String(unitPart)
        if decimals > 0 {
            let fraction = String(whole % Int64(scale))
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
