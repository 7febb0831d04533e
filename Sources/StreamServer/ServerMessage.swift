import NetCore
import TextFormat
import WebSocket

/// Server-to-client JSON, written by hand: every message has `type`,
/// `timestamp` and a `data` object, plus the client's `id` when answering one.
enum ServerMessage {
    /// `data` and `id` must already be JSON text.
    static func envelope(type: String, id: String?, data: String) -> String {
        let time = RFC3339.format(milliseconds: WallClock.nowMilliseconds())
        if let id {
            return #"{"type":"\#(type)","id":\#(id),"timestamp":"\#(time)","data":\#(data)}"#
        }
        return #"{"type":"\#(type)","timestamp":"\#(time)","data":\#(data)}"#
    }

    static func error(id: String?, code: String, message: String) -> String {
        envelope(type: "error", id: id, data: #"{"code":"\#(code)","message":\#(JSONStringEscaper.quoted(message))}"#)
    }
}
