/// The browser origins allowed to open a WebSocket (protection against
/// cross-site WebSocket hijacking: without it any page a trader visits could
/// connect with the trader's cookies or stored token).
///
/// Entries are `scheme://host[:port]` with scheme `http` or `https`. Matching
/// is exact after normalisation: scheme and host compared case-insensitively,
/// and a default port (`:443` for https, `:80` for http) treated as absent,
/// since browsers omit it. No path, no wildcard subdomains. The single entry
/// `"*"` allows every origin, including `null`; it turns the protection off
/// and is meant for local experiments only.
struct OriginAllowlist: Sendable {
    private(set) var allowsAny = false
    private(set) var normalized: Set<String> = []

    init() {}

    /// Adds an entry, or returns the problem with it.
    mutating func add(_ entry: String) -> String? {
        if entry == "*" {
            allowsAny = true
            return nil
        }
        guard let origin = Self.normalize(entry) else {
            return "\(String(reflecting: entry)) is not an origin (expected scheme://host[:port] with scheme http or https, no path, or \"*\")"
        }
        normalized.insert(origin)
        return nil
    }

    func allows(_ origin: String) -> Bool {
        if allowsAny { return true }
        guard let origin = Self.normalize(origin) else { return false }
        return normalized.contains(origin)
    }

    /// Lowercased `scheme://host[:port]` without a default port, or nil when
    /// `text` is not a serialised origin (RFC 6454 §6.1).
    static func normalize(_ text: String) -> String? {
        guard text.utf8.count <= 512, text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        let lower = String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
        let scheme: String
        let defaultPort: String
        if lower.hasPrefix("https://") {
            (scheme, defaultPort) = ("https", "443")
        } else if lower.hasPrefix("http://") {
            (scheme, defaultPort) = ("http", "80")
        } else {
            return nil
        }
        let authority = lower.dropFirst(scheme.count + 3)
        var host = authority[...]
        var port: Substring? = nil
        if authority.hasPrefix("[") {
            // IPv6 literal: the port, if any, follows the closing bracket.
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                port = after.dropFirst()
            }
            guard host.dropFirst().dropLast().allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), host.count > 2 else { return nil }
        } else {
            if let colon = authority.firstIndex(of: ":") {
                host = authority[..<colon]
                port = authority[authority.index(after: colon)...]
            }
            let hostOK = host.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
            }
            guard !host.isEmpty, hostOK else { return nil }
        }
        guard let port else { return "\(scheme)://\(host)" }
        guard (1...5).contains(port.count), port.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = Int(port), (1...65535).contains(number) else { return nil }
        let canonical = String(number)
        return canonical == defaultPort ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(canonical)"
    }
}
