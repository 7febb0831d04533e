public import NetCore

/// Where a Redis server is and how to log in: parsed from
/// `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`. The host is resolved when
/// the endpoint is made (at startup, off the event loops), so reconnecting
/// never waits on DNS inside a loop.
public struct RedisEndpoint: Sendable, CustomStringConvertible {
    public let host: String
    public let port: UInt16
    public let database: Int
    /// AUTH USER PASSWORD (Redis 6 ACLs) when set, else AUTH PASSWORD.
    public let username: String?
    public let password: String?
    /// Every address `host` resolved to, IPv4 first; reconnects rotate through them.
    public let addresses: [SocketAddress]

    public static let defaultPort: UInt16 = 6379

    public init(address: SocketAddress, database: Int = 0, username: String? = nil, password: String? = nil) {
        host = address.host
        port = address.port
        self.database = database
        self.username = username
        self.password = password
        addresses = [address]
    }

    public init(url: String) throws(RedisError) {
        let parts = try RedisURL.parse(url)
        let addresses: [SocketAddress]
        do {
            addresses = try SocketAddress.resolve(host: parts.host, port: parts.port)
        } catch {
            throw .invalidEndpoint("--redis \(RedisURL.redacted(url)): cannot resolve host '\(parts.host)': \(error)")
        }
        host = parts.host
        port = parts.port
        database = parts.database
        username = parts.username
        password = parts.password
        self.addresses = addresses
    }

    /// The URL without its password, safe for logs.
    public var description: String {
        let login = password == nil ? "" : "\(username ?? ""):***@"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "redis://\(login)\(shownHost):\(port)/\(database)"
    }
}

/// The text half of RedisEndpoint: pure, no DNS.
enum RedisURL {
    struct Parts: Equatable {
        var host: String
        var port: UInt16
        var database: Int
        var username: String?
        var password: String?
    }

    static func parse(_ url: String) throws(RedisError) -> Parts {
        func bad(_ problem: String) -> RedisError {
            .invalidEndpoint("--redis expects redis://HOST:PORT[/DB], got '\(redacted(url))': \(problem)")
        }
        let lowered = url.lowercased()
        if lowered.hasPrefix("rediss://") { throw bad("TLS (rediss://) is not supported; use redis:// on a trusted network") }
        guard lowered.hasPrefix("redis://") else { throw bad("the URL must start with redis://") }
        var rest = Substring(url.dropFirst("redis://".count))
        if rest.contains("?") || rest.contains("#") { throw bad("query strings and fragments are not supported") }

        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var parts = Parts(host: "", port: RedisEndpoint.defaultPort, database: 0)
        if let at = rest.lastIndex(of: "@") {
            let login = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let colon = login.firstIndex(of: ":") else {
                throw bad("put the password after a colon: redis://:PASSWORD@HOST or redis://USER:PASSWORD@HOST")
            }
            let user = login[..<colon]
            guard let password = percentDecoded(login[login.index(after: colon)...]),
                  let username = percentDecoded(user) else { throw bad("bad percent-encoding in the login") }
            if password.isEmpty { throw bad("the password is empty") }
            parts.username = username.isEmpty ? nil : username
            parts.password = password
        }

        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw bad("an IPv6 address needs a closing ]") }
            parts.host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            parts.host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            parts.host = String(rest)
        }
        if parts.host.isEmpty { throw bad("the host is missing") }
        if !rest.hasPrefix("["), !parts.host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) {
            throw bad("'\(parts.host)' is not a host name or IPv4 address")
        }
        if let portText {
            guard let port = UInt16(portText), port > 0 else { throw bad("the port must be a number from 1 to 65535") }
            parts.port = port
        }
        if !path.isEmpty {
            guard path.allSatisfy(\.isASCII), let database = Int(path), database >= 0, database <= Int(Int32.max) else {
                throw bad("the database after / must be a number such as 0")
            }
            parts.database = database
        }
        return parts
    }

    /// The URL with its password replaced, so errors never echo a secret.
    static func redacted(_ url: String) -> String {
        let scheme = "redis://"
        guard url.lowercased().hasPrefix(scheme) else { return url }
        let start = url.index(url.startIndex, offsetBy: scheme.count)
        let authorityEnd = url[start...].firstIndex(of: "/") ?? url.endIndex
        guard let at = url[start..<authorityEnd].lastIndex(of: "@"),
              let colon = url[start..<at].firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
