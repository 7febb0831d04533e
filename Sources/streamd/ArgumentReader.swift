/// A small reader for `--flag value` / `--flag=value` / `--switch` arguments.
/// Unknown flags and missing values are errors that name the flag.
struct ArgumentReader {
    private var remaining: [String]
    private(set) var positionals: [String] = []

    init(_ arguments: [String]) { remaining = arguments }

    struct UsageError: Error, CustomStringConvertible, Equatable {
        let description: String
        init(_ description: String) { self.description = description }
        init(description: String) { self.description = description }
        /// Thrown for -h/--help so commands print their help and exit 0.
        static let helpRequested = UsageError("help requested")
    }

    /// Yields each flag name; the caller asks for its value with `value(for:)`.
    mutating func nextFlag() -> String? {
        while let first = remaining.first {
            remaining.removeFirst()
            if first.hasPrefix("--"), let eq = first.firstIndex(of: "=") {
                remaining.insert(String(first[first.index(after: eq)...]), at: 0)
                return String(first[..<eq])
            }
            if first.hasPrefix("-") && first.count > 1 { return first }
            positionals.append(first)
        }
        return nil
    }

    mutating func value(for flag: String) throws(UsageError) -> String {
        guard let value = remaining.first else { throw UsageError(description: "\(flag) needs a value") }
        remaining.removeFirst()
        return value
    }

    mutating func number<T: LosslessStringConvertible>(for flag: String, as: T.Type = T.self) throws(UsageError) -> T {
        let text = try value(for: flag)
        guard let number = T(text) else { throw UsageError(description: "\(flag) expects a number, got '\(text)'") }
        return number
    }
}
