import Base
import TextFormat

/// Signs tokens for `streamd token issue` and for tests, with a private key
/// (ES256/RS256 PEM) or an HS256 secret file.
public struct TokenIssuer: Sendable {
    public let kid: String
    public let algorithm: JWTAlgorithm
    private let key: [UInt8]

    /// Reads and checks the key, and signs one throwaway token so a key libjwt
    /// cannot use fails here rather than at the first `issue`.
    public init(kid: String, algorithm: JWTAlgorithm, privateKeyPath: String) throws(AuthConfigurationError) {
        guard !kid.isEmpty else { throw AuthConfigurationError("token issuer: kid is empty") }
        self.kid = kid
        self.algorithm = algorithm
        self.key = try KeyFile.signingMaterial(kid: kid, algorithm: algorithm, path: privateKeyPath)
        guard LibJWTToken.sign(algorithm: algorithm, key: key, kid: kid, claimsJSON: "{}") != nil else {
            throw AuthConfigurationError("\(kid): \(privateKeyPath) could not be used to sign \(algorithm.rawValue)")
        }
    }

    /// Header `{"alg", "typ":"JWT", "kid"}`; claims `sub`, `iat` = now,
    /// `exp` = now + ttl, `jti` (16 random hex digits unless given), `roles`,
    /// and `channels`, `iss`, `aud` when given.
    public func issue(
        subject: String,
        roles: [String],
        channels: [String]? = nil,
        ttlSeconds: Int64,
        now: Int64,
        issuer: String? = nil,
        audience: String? = nil,
        tokenID: String? = nil
    ) throws(AuthConfigurationError) -> String {
        guard !subject.isEmpty else { throw AuthConfigurationError("token issue: subject is empty") }
        guard ttlSeconds > 0 else { throw AuthConfigurationError("token issue: ttl must be positive, got \(ttlSeconds)") }
        let (expiry, overflow) = now.addingReportingOverflow(ttlSeconds)
        guard !overflow else { throw AuthConfigurationError("token issue: ttl \(ttlSeconds) is out of range") }

        var claims: [String: JSONValue] = [
            "sub": .string(subject),
            "iat": .integer(now),
            "exp": .integer(expiry),
            "jti": .string(tokenID ?? Self.randomTokenID()),
            "roles": .strings(roles),
        ]
        if let channels { claims["channels"] = .strings(channels) }
        if let issuer { claims["iss"] = .string(issuer) }
        if let audience { claims["aud"] = .string(audience) }

        guard let token = LibJWTToken.sign(algorithm: algorithm, key: key, kid: kid,
                                           claimsJSON: JSONValue.object(JSONObject(claims.map { (key: $0.key, value: $0.value) })).serialized) else {
            throw AuthConfigurationError("\(kid): libjwt could not sign the token")
        }
        return token
    }

    private static func randomTokenID() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = String(generator.next() as UInt64, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
