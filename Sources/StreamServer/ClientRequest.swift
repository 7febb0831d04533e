import Base
import TextFormat
import WebSocket

/// A client operation as far as routing needs it: its `type`, its `id` (kept
/// as JSON text so it is echoed exactly, number or string), and the object.
struct ClientRequest {
    let type: String
    let id: String?
    let object: JSONObject

    struct ParseError: Error {
        let id: String?
        let message: String
    }

    static func parse(_ payload: [UInt8]) -> Result<ClientRequest, ParseError> {
        guard let value = try? JSONReader.parse(payload, maximumDepth: JSONReader.defaultMaximumDepth, allowingByteOrderMark: true) else {
            return .failure(ParseError(id: nil, message: "the message is not valid JSON"))
        }
        guard let object = value.objectValue else {
            return .failure(ParseError(id: nil, message: "a message must be a JSON object with a \"type\""))
        }
        let id = echoableID(object["id"])
        if object["id"] != nil, id == nil {
            return .failure(ParseError(id: nil, message: "\"id\" must be a number or a string"))
        }
        guard let type = object["type"]?.stringValue else {
            return .failure(ParseError(id: id, message: "a message needs a string \"type\""))
        }
        return .success(ClientRequest(type: type, id: id, object: object))
    }

    /// A JSON number whose value is an integer within 2^53 (`7`, `7.0` and
    /// `7e0` alike; never a boolean).
    static func exactInteger(_ value: JSONValue?) -> Int64? {
        guard case .number(let number)? = value, let double = number.double else { return nil }
        guard double.rounded() == double, abs(double) < 9_007_199_254_740_992 else { return nil }
        return Int64(double)
    }

    /// Ids are echoed verbatim: integers and short strings only.
    private static func echoableID(_ value: JSONValue?) -> String? {
        if let integer = exactInteger(value) { return String(integer) }
        guard case .string(let string)? = value, string.utf8.count <= 128 else { return nil }
        return JSONStringEscaper.quoted(string)
    }
}
