/// One detail value of an audit event (`"channel":"fx.eurusd"`, `"close_code":1008`).
/// Only JSON scalars: an audit line stays flat so `audit query` and log shippers can
/// filter on any member without knowing its nesting.
public enum AuditValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    /// NaN and infinities have no JSON spelling and are written as `null`.
    case double(Double)
    case bool(Bool)
}

extension AuditValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension AuditValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension AuditValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension AuditValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension AuditValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .string(let value): return value
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .bool(let value): return String(value)
        }
    }
}
