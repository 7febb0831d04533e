/// The verification keys, each a kid bound to exactly one algorithm.
///
/// Tokens choose a key by `kid` only; the key, never the token, says how to
/// verify. There is no default key: a ring of one key serves a token without
/// a kid, but an unknown kid is refused (compare jwt-kit's
/// `JWTKeyCollection` default-signer fallback, which is what not to do).
public struct KeyRing: Sendable {
    private let ordered: [VerificationKey]
    private let byKid: [String: VerificationKey]

    private init(_ keys: [VerificationKey]) {
        ordered = keys
        byKid = Dictionary(uniqueKeysWithValues: keys.map { ($0.kid, $0) })
    }

    /// Reads, checks and parses every key file; the first problem is thrown,
    /// naming the kid, the file and what to fix. Keys are parsed here only:
    /// a reload builds a new ring, and verifications reuse this one's keys.
    public static func load(_ specs: [KeySpec]) throws(AuthConfigurationError) -> KeyRing {
        guard !specs.isEmpty else {
            throw AuthConfigurationError("keys: no verification keys configured; add at least one {kid, algorithm, path}")
        }
        var keys: [VerificationKey] = []
        var seen: Set<String> = []
        for spec in specs {
            guard !spec.kid.isEmpty else {
                throw AuthConfigurationError("keys: an entry for \(spec.path) has an empty kid")
            }
            guard seen.insert(spec.kid).inserted else {
                throw AuthConfigurationError("keys: kid \"\(spec.kid)\" is configured more than once; each kid names one key")
            }
            let (key, signatureLength) = try KeyFile.verificationKey(
                kid: spec.kid, algorithm: spec.algorithm, path: spec.path)
            keys.append(VerificationKey(kid: spec.kid, algorithm: spec.algorithm,
                                        signatureKey: key, signatureLength: signatureLength))
        }
        return KeyRing(keys)
    }

    /// The configured kids, in configuration order.
    public var kids: [String] { ordered.map(\.kid) }

    public func algorithm(forKid kid: String) -> JWTAlgorithm? {
        byKid[kid]?.algorithm
    }

    /// The key a token's header selects; never a fallback for a kid we do
    /// not know, nor a guess when several keys could apply.
    func key(forTokenKid kid: String?) -> VerificationKey? {
        if let kid { return byKid[kid] }
        return ordered.count == 1 ? ordered[0] : nil
    }
}

/// One verification key, parsed, for one algorithm only.
struct VerificationKey: Sendable {
    let kid: String
    let algorithm: JWTAlgorithm
    /// Verifies with `algorithm` and nothing else.
    let signatureKey: SignatureKey
    /// Bytes a genuine signature has: 64 (ES256 r‖s), 32 (HS256), the modulus size (RS256).
    let signatureLength: Int
}
