public import WebSocket

/// permessage-deflate (RFC 7692) from the client's side, as values: the
/// header a client offers, and what the server's answer means. Clients here
/// only ever receive compressed messages; they send uncompressed, which the
/// RFC allows (§6: a sender chooses per message).
public struct NegotiatedCompression: Sendable, Equatable {
    /// The window the server compresses with; the inflater uses the same.
    public let serverWindowBits: Int
    /// The server compresses each message on its own, so nothing is kept
    /// between messages (streamd always says so).
    public let serverNoContextTakeover: Bool

    public init(serverWindowBits: Int, serverNoContextTakeover: Bool) {
        self.serverWindowBits = serverWindowBits
        self.serverNoContextTakeover = serverNoContextTakeover
    }

    /// The request header that offers the extension.
    public static let offerHeader = "Sec-WebSocket-Extensions: \(PerMessageDeflate.clientOffer)"

    /// An answer the client must fail the connection on (RFC 6455 §9.1, RFC 7692 §5).
    public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads the server's `Sec-WebSocket-Extensions` values: nil when no
    /// extension was agreed (the server declined, or none was offered).
    /// Throws when the server answered an extension that was not offered, or
    /// answered permessage-deflate with parameters the offer did not allow.
    public static func fromAnswer(_ values: [String], offered: Bool) throws(Refusal) -> NegotiatedCompression? {
        let present = values.filter { !$0.allSatisfy { $0 == " " || $0 == "\t" || $0 == "," } }
        guard !present.isEmpty else { return nil }
        guard offered else {
            throw Refusal(description: "the server answered Sec-WebSocket-Extensions: \(present.joined(separator: ", ")) "
                          + "although the client offered no extension")
        }
        switch PerMessageDeflate.acceptAnswer(present) {
        case .success(let agreed?):
            return NegotiatedCompression(serverWindowBits: agreed.serverWindowBits, serverNoContextTakeover: agreed.serverNoContextTakeover)
        case .success(nil):
            return nil
        case .failure(.malformed(let problem)):
            throw Refusal(description: "the server's Sec-WebSocket-Extensions answer "
                          + "'\(present.joined(separator: ", "))' is not acceptable: \(problem)")
        }
    }

    /// Makes `reader` inflate the server's compressed messages.
    public func enable(on reader: inout WebSocketReader) {
        reader.enableCompression(windowBits: serverWindowBits, noContextTakeover: serverNoContextTakeover)
    }
}
