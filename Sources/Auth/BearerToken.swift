/// Finds the bearer token in an upgrade request (RFC 6750 §2, and the
/// `bearer.<token>` subprotocol browsers need because they cannot set headers).
public enum BearerToken {
    public enum Source: String, Sendable {
        case header
        case subprotocol
        case query
    }

    /// The `Authorization: Bearer <t>` header first (scheme case-insensitive,
    /// exactly one space, one token), else a single `bearer.<t>` subprotocol,
    /// else, only when `allowQuery`, a single `access_token=<t>` query
    /// parameter, percent-decoded. A source that offers two tokens offers
    /// none: ambiguity is never resolved by guessing.
    public static func extract(
        authorization: String?,
        subprotocols: [String],
        query: String?,
        allowQuery: Bool
    ) -> (token: String, source: Source)? {
        if let authorization, let token = fromAuthorization(authorization) {
            return (token, .header)
        }
        if let token = fromSubprotocols(subprotocols) {
            return (token, .subprotocol)
        }
        if allowQuery, let query, let token = fromQuery(query) {
            return (token, .query)
        }
        return nil
    }

    /// `Bearer <token>`: the scheme case-insensitive, exactly one space.
    /// Read as bytes: splitting a String walks grapheme clusters, which cost
    /// more than the rest of the upgrade's own work on a long token.
    private static func fromAuthorization(_ value: String) -> String? {
        let bytes = value.utf8
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let scheme = bytes[..<space]
        let token = bytes[bytes.index(after: space)...]
        guard scheme.count == 6, zip(scheme, "bearer".utf8).allSatisfy({ $0 | 0x20 == $1 }),
              !token.contains(UInt8(ascii: " ")) else { return nil }
        return plausible(String(Substring(token)))
    }

    private static let subprotocolPrefix = "bearer."

    private static func fromSubprotocols(_ subprotocols: [String]) -> String? {
        let tokens = subprotocols
            .map { $0.trimmingASCIIWhitespace() }
            .filter { $0.hasPrefix(subprotocolPrefix) }
            .map { String($0.dropFirst(subprotocolPrefix.count)) }
        guard tokens.count == 1 else { return nil }
        return plausible(tokens[0])
    }

    private static func fromQuery(_ query: String) -> String? {
        let trimmed = query.hasPrefix("?") ? query.dropFirst() : Substring(query)
        let values = trimmed.split(separator: "&").compactMap { pair -> Substring? in
            pair.hasPrefix("access_token=") ? pair.dropFirst("access_token=".count) : nil
        }
        guard values.count == 1, let decoded = percentDecoded(values[0]) else { return nil }
        return plausible(decoded)
    }

    /// Visible ASCII only; the verifier applies the strict JWS grammar.
    private static func plausible(_ token: String) -> String? {
        guard !token.isEmpty, token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return token
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
