import Base

/// Tokens whose signature this verifier has already checked, by their exact
/// bytes: a client that reconnects with the same token (a reconnect storm,
/// a dashboard reloading) costs a lookup, not an ECDSA verification.
///
/// Only the signature result is remembered: times, issuer, audience and
/// revocation are checked on every use. Keys are the token's bytes, not a
/// `String` (Swift compares strings by canonical equivalence, so "K" and
/// U+212A KELVIN SIGN would be one key). Failures are never stored. The
/// cache belongs to one verifier, so a key or revocation reload starts empty.
final class VerifiedTokenCache: Sendable {
    private let capacity: Int
    private let entries = Lock<[[UInt8]: Claims]>([:])

    /// `capacity` 0 turns the cache off.
    init(capacity: Int) { self.capacity = max(0, capacity) }

    func claims(for token: [UInt8]) -> Claims? {
        guard capacity > 0 else { return nil }
        return entries.withLock { $0[token] }
    }

    /// Remembers a verified token. When full it starts over rather than
    /// tracking age: a refill costs one verification per live token.
    func remember(_ token: [UInt8], _ claims: Claims) {
        guard capacity > 0 else { return }
        entries.withLock { table in
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[token] = claims
        }
    }

    /// An expired token will never pass again.
    func forget(_ token: [UInt8]) {
        guard capacity > 0 else { return }
        _ = entries.withLock { $0.removeValue(forKey: token) }
    }

    var count: Int { entries.withLock { $0.count } }
}
