import Base

/// The feed's payloads, read with the server's own strict reader: objects,
/// strings with escapes, numbers kept as their text; nil for anything
/// malformed, trailing bytes included.
enum FeedJSON {
    static func parse(_ text: String) -> JSONValue? {
        try? JSONReader.parse(Array(text.utf8), maximumDepth: 64)
    }
}

extension JSONValue {
    var object: JSONObject? { objectValue }
    var string: String? { stringValue }
    var numberText: String? { numberValue?.literal }
}
