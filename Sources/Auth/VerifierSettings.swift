/// What a token must satisfy beyond its signature.
public struct VerifierSettings: Sendable, Equatable {
    /// When set, `iss` is required and must equal it.
    public var issuer: String?
    /// When set, `aud` is required and must be, or contain, it.
    public var audience: String?
    /// Allowed clock skew for `exp`, `nbf` and `iat` (negative counts as 0).
    public var leewaySeconds: Int64 = 30
    /// Longer tokens are refused before any decoding.
    public var maxTokenBytes: Int = 8192
    /// `jti` values that are refused.
    public var revokedTokenIDs: Set<String> = []
    /// Tokens whose verified signature is remembered (by their exact bytes),
    /// so a reconnect with the same token skips the signature check; every
    /// other check still runs each time. 0 turns it off.
    public var verifiedTokenCacheEntries: Int = 10_000

    public init(
        issuer: String? = nil,
        audience: String? = nil,
        leewaySeconds: Int64 = 30,
        maxTokenBytes: Int = 8192,
        revokedTokenIDs: Set<String> = [],
        verifiedTokenCacheEntries: Int = 10_000
    ) {
        self.issuer = issuer
        self.audience = audience
        self.leewaySeconds = leewaySeconds
        self.maxTokenBytes = maxTokenBytes
        self.revokedTokenIDs = revokedTokenIDs
        self.verifiedTokenCacheEntries = verifiedTokenCacheEntries
    }
}
