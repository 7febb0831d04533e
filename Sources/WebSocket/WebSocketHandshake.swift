import Base

/// The server side of the opening handshake (RFC 6455 §4.2): check the
/// request, compute the accept value, write the 101 answer.
///
/// SHA-1 is injected rather than implemented here: the server already links
/// OpenSSL, and this target stays standard-library only.
public enum WebSocketHandshake {
    /// The only protocol version (§4.1, Sec-WebSocket-Version).
    public static let version = "13"

    /// Appended to the key before hashing (§1.3), proving the server read the
    /// handshake rather than replaying a cached answer.
    public static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Whether the request asks for an upgrade at all; those without go to
    /// the plain HTTP routes (health, metrics, dashboard).
    public static func isUpgradeAttempt(_ request: HTTPRequest) -> Bool {
        request.headers["Upgrade"] != nil
    }

    /// §4.2.1, in the order a client author would fix things: the request
    /// shape, then the version (426 says which to use), then the key.
    public static func validate(_ request: HTTPRequest) -> Result<UpgradeRequest, UpgradeError> {
        let headers = request.headers
        guard request.method == "GET" else {
            return .failure(.badRequest(reason: "WebSocket upgrade must use GET, not \(request.method)"))
        }
        guard request.versionMinor == 1 else {
            return .failure(.badRequest(reason: "WebSocket upgrade needs HTTP/1.1"))
        }
        guard let host = headers["Host"], !host.isEmpty else {
            return .failure(.badRequest(reason: "missing Host header"))
        }
        guard headers.containsToken("Upgrade", "websocket") else {
            return .failure(.badRequest(reason: "Upgrade header must contain \"websocket\""))
        }
        guard headers.containsToken("Connection", "upgrade") else {
            return .failure(.badRequest(reason: "Connection header must contain \"Upgrade\""))
        }
        let versions = headers.values("Sec-WebSocket-Version")
        guard let offered = versions.first else {
            return .failure(.badRequest(reason: "missing Sec-WebSocket-Version header"))
        }
        guard versions.count == 1, trim(offered) == version else {
            return .failure(.unsupportedVersion(offered: versions.joined(separator: ", ")))
        }
        let keys = headers.values("Sec-WebSocket-Key")
        guard let rawKey = keys.first else {
            return .failure(.badRequest(reason: "missing Sec-WebSocket-Key header"))
        }
        let key = trim(rawKey)
        guard keys.count == 1, Base64.decode(key)?.count == 16 else {
            return .failure(.badRequest(reason: "Sec-WebSocket-Key must be 16 bytes in base64"))
        }
        // The offers are chosen from later (PerMessageDeflate.negotiate); a
        // header that is not an extension list at all is the client's error.
        if case .failure(.malformed(let problem)) = PerMessageDeflate.parse(headers.values("Sec-WebSocket-Extensions")) {
            return .failure(.badRequest(reason: "Sec-WebSocket-Extensions is malformed: \(problem)"))
        }
        let subprotocols = headers.values("Sec-WebSocket-Protocol")
            .flatMap(HTTPSyntax.listElements)
            .map(String.init)
        return .success(
            UpgradeRequest(
                key: key, subprotocols: subprotocols, origin: headers["Origin"],
                path: request.path, query: request.query, headers: headers))
    }

    /// `Sec-WebSocket-Accept` = base64(SHA-1(key + GUID)) (§4.2.2 item 5.4).
    /// `sha1` must return the 20-byte digest of its input.
    public static func acceptValue(forKey key: String, sha1: ([UInt8]) -> [UInt8]) -> String {
        Base64.encode(sha1(Array((key + acceptGUID).utf8)))
    }

    /// The 101 Switching Protocols answer. `subprotocol` must be one the
    /// client offered (§4.2.2); streamd answers `stream.v1` and never echoes
    /// a `bearer.` token.
    public static func response(
        accept: String, subprotocol: String?, extraHeaders: [(String, String)] = []
    ) -> [UInt8] {
        var headers: [(String, String)] = [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", accept),
        ]
        if let subprotocol { headers.append(("Sec-WebSocket-Protocol", subprotocol)) }
        headers += extraHeaders
        return HTTPResponse(status: 101, headers: headers).serialized()
    }

    private static func trim(_ value: String) -> String {
        String(Substring(HTTPSyntax.trimmed(value[...].utf8)))
    }
}
