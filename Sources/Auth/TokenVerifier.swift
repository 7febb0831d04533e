import Base

/// Verifies bearer tokens against a key ring and settings.
///
/// Order matters and is fixed: size, structure and header; key by kid;
/// header `alg` equal to that key's algorithm; signature, with the key parsed
/// when the ring was loaded and that key's algorithm, never the header's;
/// then claims, against the caller's clock. The verifier never reads the
/// clock itself.
public struct TokenVerifier: Sendable {
    public let keyRing: KeyRing
    public let settings: VerifierSettings
    private let cache: VerifiedTokenCache

    public init(keyRing: KeyRing, settings: VerifierSettings) {
        self.keyRing = keyRing
        self.settings = settings
        cache = VerifiedTokenCache(capacity: settings.verifiedTokenCacheEntries)
    }

    /// - Parameter now: unix seconds from the caller's clock.
    public func verify(_ token: String, now: Int64) -> Result<Claims, TokenError> {
        let bytes = Array(token.utf8)
        let claims: Claims
        if let known = cache.claims(for: bytes) {
            claims = known
        } else {
            do {
                claims = try verifiedClaims(token)
            } catch {
                return .failure(error)
            }
            cache.remember(bytes, claims)
        }
        do {
            try checkTimes(claims, now: now)
            try checkIdentity(claims)
            return .success(claims)
        } catch {
            if error == .expired { cache.forget(bytes) }
            return .failure(error)
        }
    }

    /// Tokens whose signature is remembered (for tests and metrics).
    public var rememberedTokens: Int { cache.count }

    /// Signature and claim types only: no time, issuer, audience or
    /// revocation checks.
    private func verifiedClaims(_ token: String) throws(TokenError) -> Claims {
        guard token.utf8.count <= settings.maxTokenBytes else {
            throw .tooLarge(limit: settings.maxTokenBytes)
        }
        let jws = try CompactJWS.parse(token)

        guard let key = keyRing.key(forTokenKid: jws.header.keyID) else {
            throw .unknownKey(kid: jws.header.keyID)
        }
        // Exact, case-sensitive: the key decides how to verify, not the token.
        guard jws.header.algorithm == key.algorithm.rawValue else {
            throw .algorithmMismatch(expected: key.algorithm, got: jws.header.algorithm)
        }

        guard let payload = Base64.decode(jws.payloadSegment, alphabet: .url) else {
            throw .malformed("payload is not canonical base64url")
        }
        guard let signature = Base64.decode(jws.signatureSegment, alphabet: .url) else {
            throw .malformed("signature is not canonical base64url")
        }
        guard let members = (try? JSONReader.parse(payload, maximumDepth: CompactJWS.maximumJSONDepth))?.objectValue else {
            throw .malformed("payload is not a JSON object")
        }

        guard signature.count == key.signatureLength,
              key.signatureKey.verify(signingInput: jws.signingInput, signature: signature) else {
            throw .badSignature
        }
        // The claims are the payload bytes just verified, read by our parser.
        // Not libjwt's: jwt_decode without a key (1.10.2) checks no signature
        // and reports alg "none", so it could only ever add a second parser.
        return try Claims(payload: members, keyID: key.kid)
    }

    private func checkTimes(_ claims: Claims, now: Int64) throws(TokenError) {
        let leeway = max(0, settings.leewaySeconds)
        let latest = now.addingSaturated(leeway)
        // RFC 7519 §4.1.4: expired once now >= exp (+ leeway).
        if now >= claims.expiresAt.addingSaturated(leeway) { throw .expired }
        if let notBefore = claims.notBefore, notBefore > latest { throw .notYetValid }
        if let issuedAt = claims.issuedAt, issuedAt > latest { throw .issuedInTheFuture }
    }

    private func checkIdentity(_ claims: Claims) throws(TokenError) {
        if let issuer = settings.issuer {
            guard let claimed = claims.issuer else { throw .missingClaim("iss") }
            guard claimed == issuer else { throw .wrongIssuer }
        }
        if let audience = settings.audience {
            guard !claims.audience.isEmpty else { throw .missingClaim("aud") }
            guard claims.audience.contains(audience) else { throw .wrongAudience }
        }
        if let tokenID = claims.tokenID, settings.revokedTokenIDs.contains(tokenID) {
            throw .revoked
        }
    }
}

extension Int64 {
    fileprivate func addingSaturated(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
