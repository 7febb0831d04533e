import Base
import Foundation

extension JSONValue {
    /// The value as Foundation types, for callers that want `[String: Any]`:
    /// strings, `NSNumber` (Int64 for integer literals that fit, otherwise
    /// Double; booleans as `NSNumber(value: Bool)`), `NSNull`, arrays and
    /// dictionaries.
    var foundationObject: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let flag): return NSNumber(value: flag)
        case .number(let number):
            if let integer = number.exactInteger { return NSNumber(value: integer) }
            if number.isInteger, let unsigned = UInt64(number.literal) { return NSNumber(value: unsigned) }
            return NSNumber(value: number.double ?? 0)
        case .string(let text): return text
        case .array(let elements): return elements.map(\.foundationObject)
        case .object(let object):
            var dictionary: [String: Any] = [:]
            for (key, value) in object { dictionary[key] = value.foundationObject }
            return dictionary
        }
    }
}
