import Foundation
/// What a `StreamConnection` connects to and how it behaves when the link fails.
public struct StreamClientConfiguration: Sendable {
    /// `wss://host:port/ws`; the port defaults to 443.
    public var url: String
    /// Sent as `Authorization: Bearer`; never logged or put in an event.
    public var token: String
    /// PEM file of trusted CAs; nil uses the system store.
    public var caPath: String?
    /// Subscribed on every (re)connect, with `since` for exact channels and
    /// patterns ending in `*` that have delivered something.
    public var channels: [String]
    /// An application `ping` goes out this often; a connection that receives
    /// nothing for this long after a ping is considered dead.
    public var heartbeatInterval: Double
    /// TCP connect, TLS handshake, upgrade and welcome must finish within this.
    public var connectTimeout: Double
    public var backoff: BackoffPolicy
    /// Messages kept in `messageHistory`, newest last.
    public var historyLimit: Int
    /// Largest server message accepted (after inflating, when compressed).
    public var maxMessageBytes: Int
    /// Offer permessage-deflate (RFC 7692) in the upgrade, so a server that
    /// agrees sends large messages compressed. The client itself sends plain.
    public var offerCompression: Bool

    public init(url: String, token: String, caPath: String? = nil, channels: [String] = [],
                heartbeatInterval: Double = 15, connectTimeout: Double = 10, backoff: BackoffPolicy = BackoffPolicy(),
                historyLimit: Int = 100, maxMessageBytes: Int = 16 << 20, offerCompression: Bool = true) {
        self.url = url
        self.token = token
        self.caPath = caPath
        self.channels = channels
        self.heartbeatInterval = heartbeatInterval
        self.connectTimeout = connectTimeout
        self.backoff = backoff
        self.historyLimit = historyLimit
        self.maxMessageBytes = maxMessageBytes
        self.offerCompression = offerCompression
    }
}

/// The parts of a `wss://` URL the client needs.
public struct StreamEndpoint: Sendable, Equatable {
    public let host: String
    public let port: UInt16
    public let path: String
    /// `host:port` for the Host header (IPv6 in brackets).
    public var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public struct ConfigurationError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(url: String) throws(ConfigurationError) {
        var rest = Substring(url)
        if let range = rest.range(of: "://") {
            let scheme = rest[..<range.lowerBound].lowercased()
            guard scheme == "wss" || scheme == "https" else {
                throw ConfigurationError(description: "'\(url)': only wss:// is supported (the server speaks TLS only)")
            }
            rest = rest[range.upperBound...]
        }
        var path = "/ws"
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        var hostPart = rest
        var portText: Substring?
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw ConfigurationError(description: "no host in '\(url)'") }
        host = hostPart == "localhost" ? "127.0.0.1" : String(hostPart)
        if let portText {
            guard let port = UInt16(portText) else { throw ConfigurationError(description: "bad port in '\(url)'") }
            self.port = port
        } else {
            port = 443
        }
        self.path = path
    }
}
