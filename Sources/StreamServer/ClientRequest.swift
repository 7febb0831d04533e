import Foundation
import TextFormat
import WebSocket

/// A client operation as far as routing needs it: its `type`, its `id` (kept
/// as JSON text so it is echoed exactly, number or string), and the object.
struct ClientRequest {
    let type: String
    let id: String?
    let object: [String: Any]

    struct Problem: Error {
        let id: String?
        let message: String
    }

    static func parse(_ payload: [UInt8]) -> Result<ClientRequest, Problem> {
        guard let value = try? JSONSerialization.jsonObject(with: Data(payload), options: [.fragmentsAllowed]) else {
            return .failure(Problem(id: nil, message: "the message is not valid JSON"))
        }
        guard let object = value as? [String: Any] else {
            return .failure(Problem(id: nil, message: "a message must be a JSON object with a \"type\""))
        }
        let id = echoableID(object["id"])
        if object["id"] != nil, id == nil {
            return .failure(Problem(id: nil, message: "\"id\" must be a number or a string"))
        }
        guard let type = object["type"] as? String else {
            return .failure(Problem(id: id, message: "a message needs a string \"type\""))
        }
        return .success(ClientRequest(type: type, id: id, object: object))
    }

    /// A JSON number that is an exact integer (not a boolean, within 2^53).
    static func exactInteger(_ value: Any?) -> Int64? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }  // "c": a JSON boolean
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9_007_199_254_740_992 else { return nil }
        return Int64(double)
    }

    /// Ids are echoed verbatim: integers and short strings only.
    private static func echoableID(_ value: Any?) -> String? {
        if let integer = exactInteger(value) { return String(integer) }
        switch value {
        case let string as String where string.utf8.count <= 128:
            return JSONStringEscaper.quoted(string)
        default:
            return nil
        }
    }
}
