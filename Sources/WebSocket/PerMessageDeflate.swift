/// permessage-deflate negotiation (RFC 7692 §5–§7), as values: the offers
/// in a `Sec-WebSocket-Extensions` header, the server's choice and answer,
/// and the client's check of that answer. No I/O, no zlib.
public enum PerMessageDeflate {
    public static let name = "permessage-deflate"

    /// One extension in a `Sec-WebSocket-Extensions` list: its name and
    /// parameters (name, value), values unquoted.
    public struct Element: Equatable, Sendable {
        public let name: String
        public let parameters: [(name: String, value: String?)]

        public static func == (a: Element, b: Element) -> Bool {
            a.name == b.name && a.parameters.elementsEqual(b.parameters) { $0.name == $1.name && $0.value == $1.value }
        }
    }

    /// What the server is willing to do (the `compression` settings).
    public struct ServerPolicy: Sendable, Equatable {
        /// Ask clients not to take their context over, so inbound inflate
        /// state can be dropped between messages.
        public var requestClientNoContextTakeover: Bool
        /// The largest window the server lets a client compress with (8...15),
        /// which bounds inbound inflate memory.
        public var clientMaxWindowBits: Int

        public init(requestClientNoContextTakeover: Bool = true, clientMaxWindowBits: Int = 15) {
            self.requestClientNoContextTakeover = requestClientNoContextTakeover
            self.clientMaxWindowBits = clientMaxWindowBits
        }
    }

    /// What both sides agreed, from the server's point of view.
    public struct Agreement: Sendable, Equatable {
        /// The window the server compresses with (9...15).
        public let serverWindowBits: Int
        /// The window the client may compress with (8...15).
        public let clientWindowBits: Int
        public let clientNoContextTakeover: Bool
        /// What to put in the answer's `Sec-WebSocket-Extensions`.
        public let responseHeader: String
    }

    public enum HeaderError: Error, Equatable, Sendable {
        /// Not a list of extensions with parameters (RFC 6455 §9.1 grammar).
        case malformed(String)
    }

    // MARK: Parsing

    /// The extensions of every `Sec-WebSocket-Extensions` value, in order.
    public static func parse(_ values: [String]) -> Result<[Element], HeaderError> {
        var elements: [Element] = []
        for value in values {
            var scanner = Scanner(Array(value.utf8))
            while true {
                scanner.skipWhitespace()
                if scanner.atEnd { break }
                if scanner.peek == UInt8(ascii: ",") { scanner.index += 1; continue }  // empty list elements
                guard let name = scanner.token() else { return .failure(.malformed("expected an extension name")) }
                var parameters: [(String, String?)] = []
                scanner.skipWhitespace()
                while scanner.peek == UInt8(ascii: ";") {
                    scanner.index += 1
                    scanner.skipWhitespace()
                    guard let parameter = scanner.token() else {
                        return .failure(.malformed("expected a parameter name after ';' in \(name)"))
                    }
                    scanner.skipWhitespace()
                    var parameterValue: String?
                    if scanner.peek == UInt8(ascii: "=") {
                        scanner.index += 1
                        scanner.skipWhitespace()
                        guard let text = scanner.token() ?? scanner.quotedString() else {
                            return .failure(.malformed("parameter \(parameter) of \(name) has no value after '='"))
                        }
                        parameterValue = text
                        scanner.skipWhitespace()
                    }
                    parameters.append((parameter, parameterValue))
                }
                elements.append(Element(name: name, parameters: parameters))
                scanner.skipWhitespace()
                if scanner.atEnd { break }
                guard scanner.peek == UInt8(ascii: ",") else {
                    return .failure(.malformed("unexpected \(String(decoding: [scanner.peek!], as: UTF8.self).debugDescription) after \(name)"))
                }
                scanner.index += 1
            }
        }
        return .success(elements)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }
        mutating func skipWhitespace() { while let byte = peek, HTTPSyntax.isWhitespace(byte) { index += 1 } }
        mutating func token() -> String? {
            let start = index
            while let byte = peek, HTTPSyntax.isTokenByte(byte) { index += 1 }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }
        /// quoted-string (RFC 9110 §5.6.4), unescaped.
        mutating func quotedString() -> String? {
            guard peek == UInt8(ascii: "\"") else { return nil }
            let start = index
            index += 1
            var text: [UInt8] = []
            while let byte = peek {
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: text, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = peek else { index = start; return nil }
                    text.append(escaped)
                    index += 1
                default:
                    guard HTTPSyntax.isFieldValueByte(byte) else { index = start; return nil }
                    text.append(byte)
                }
            }
            index = start
            return nil
        }
    }

    // MARK: Server

    /// A window-bits value: a decimal 8...15 without leading zeros (§7.1.2).
    static func windowBits(_ text: String?) -> Int? {
        guard let text, let first = text.utf8.first, first != UInt8(ascii: "0"),
              text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(text), (8...15).contains(value) else { return nil }
        return value
    }

    /// The first `permessage-deflate` offer the server can accept, in the
    /// client's order; nil declines them all (the answer then carries no
    /// extension). An offer is declined for an unknown, repeated or invalid
    /// parameter, or for `server_max_window_bits=8`, which zlib cannot honour.
    /// The answer always carries `server_no_context_takeover` (each message is
    /// compressed alone, so one frame serves every subscriber), and never a
    /// parameter the offer did not allow.
    public static func negotiate(_ elements: [Element], policy: ServerPolicy) -> Agreement? {
        offers: for offer in elements where offer.name.lowercased() == name {
            var seen: Set<String> = []
            var serverMaxWindowBits: Int?
            var clientMaxWindowBits: Int?  // 15 when offered without a value
            var clientOfferedNoContextTakeover = false
            for parameter in offer.parameters {
                let key = parameter.name.lowercased()
                guard seen.insert(key).inserted else { continue offers }
                switch key {
                case "server_no_context_takeover":
                    guard parameter.value == nil else { continue offers }
                case "client_no_context_takeover":
                    guard parameter.value == nil else { continue offers }
                    clientOfferedNoContextTakeover = true
                case "server_max_window_bits":
                    guard let bits = windowBits(parameter.value), bits >= 9 else { continue offers }
                    serverMaxWindowBits = bits
                case "client_max_window_bits":
                    if parameter.value == nil {
                        clientMaxWindowBits = 15
                    } else {
                        guard let bits = windowBits(parameter.value) else { continue offers }
                        clientMaxWindowBits = bits
                    }
                default:
                    continue offers
                }
            }
            var answer = [name, "server_no_context_takeover"]
            let clientNoContextTakeover = policy.requestClientNoContextTakeover || clientOfferedNoContextTakeover
            if clientNoContextTakeover { answer.append("client_no_context_takeover") }
            let serverBits = serverMaxWindowBits ?? 15
            if let serverMaxWindowBits { answer.append("server_max_window_bits=\(serverMaxWindowBits)") }
            var clientBits = 15
            if let offered = clientMaxWindowBits {
                clientBits = Swift.min(offered, policy.clientMaxWindowBits)
                answer.append("client_max_window_bits=\(clientBits)")
            }
            return Agreement(serverWindowBits: serverBits, clientWindowBits: clientBits,
                             clientNoContextTakeover: clientNoContextTakeover, responseHeader: answer.joined(separator: "; "))
        }
        return nil
    }

    // MARK: Client

    /// What a client offers: the extension, allowing the server to bound the
    /// client's window (which this client never uses to send: it sends
    /// uncompressed), and asking for no server context takeover.
    public static let clientOffer = "permessage-deflate; client_max_window_bits; server_no_context_takeover"

    /// The client's reading of the server's answer to `clientOffer`: the
    /// server's window to inflate with, and whether it kept its context; nil
    /// when no extension was agreed. A parameter the offer did not allow,
    /// or any other extension, is an error: the client must fail the connection.
    public static func acceptAnswer(_ values: [String]) -> Result<(serverWindowBits: Int, serverNoContextTakeover: Bool)?, HeaderError> {
        let elements: [Element]
        switch parse(values) {
        case .success(let parsed): elements = parsed
        case .failure(let problem): return .failure(problem)
        }
        guard let answer = elements.first else { return .success(nil) }
        guard elements.count == 1, answer.name.lowercased() == name else {
            return .failure(.malformed("the server answered extensions that were not offered: \(elements.map(\.name))"))
        }
        var seen: Set<String> = []
        var serverBits = 15
        var noContextTakeover = false
        for parameter in answer.parameters {
            let key = parameter.name.lowercased()
            guard seen.insert(key).inserted else { return .failure(.malformed("\(key) repeated in the answer")) }
            switch key {
            case "server_no_context_takeover", "client_no_context_takeover":
                guard parameter.value == nil else { return .failure(.malformed("\(key) takes no value")) }
                if key == "server_no_context_takeover" { noContextTakeover = true }
            case "server_max_window_bits":
                guard let bits = windowBits(parameter.value) else { return .failure(.malformed("invalid server_max_window_bits")) }
                serverBits = bits
            case "client_max_window_bits":
                guard windowBits(parameter.value) != nil else { return .failure(.malformed("invalid client_max_window_bits")) }
            default:
                return .failure(.malformed("unknown parameter \(key) in the answer"))
            }
        }
        return .success((serverBits, noContextTakeover))
    }
}
