/// Why a token was refused. Every case maps to a 401 with
/// `error="invalid_token"`; `reason` goes to the audit log and `message` to
/// `error_description`.
public enum TokenError: Error, Sendable, Equatable {
    case tooLarge(limit: Int)
    case malformed(String)
    case algorithmNone
    case algorithmMismatch(expected: JWTAlgorithm, got: String)
    case unknownKey(kid: String?)
    case unsupportedCritical([String])
    case badSignature
    case missingClaim(String)
    case invalidClaim(name: String, problem: String)
    case expired
    case notYetValid
    case issuedInTheFuture
    case wrongIssuer
    case wrongAudience
    case revoked

    /// A short snake_case code for audit logs and metrics labels.
    public var reason: String {
        switch self {
        case .tooLarge: return "too_large"
        case .malformed: return "malformed"
        case .algorithmNone: return "alg_none"
        case .algorithmMismatch: return "alg_mismatch"
        case .unknownKey: return "unknown_kid"
        case .unsupportedCritical: return "unsupported_crit"
        case .badSignature: return "bad_signature"
        case .missingClaim: return "missing_claim"
        case .invalidClaim: return "invalid_claim"
        case .expired: return "expired"
        case .notYetValid: return "not_yet_valid"
        case .issuedInTheFuture: return "issued_in_future"
        case .wrongIssuer: return "wrong_issuer"
        case .wrongAudience: return "wrong_audience"
        case .revoked: return "revoked"
        }
    }

    /// Human text for `error_description`. It never quotes token contents
    /// beyond short names that pass `displayable` (a kid, an algorithm, a
    /// claim name), and never contains `"` or `\`, so it can sit inside a
    /// quoted header parameter (RFC 6750 §3) as it is.
    public var message: String {
        switch self {
        case .tooLarge(let limit):
            return "token is larger than \(limit) bytes"
        case .malformed(let problem):
            return "token is malformed: \(Self.displayable(problem, limit: 80) ?? "bad structure")"
        case .algorithmNone:
            return "unsigned tokens (alg none) are not accepted"
        case .algorithmMismatch(let expected, let got):
            let named = Self.displayable(got).map { "is signed \($0)" } ?? "names another algorithm"
            return "token \(named) but its key only verifies \(expected.rawValue)"
        case .unknownKey(let kid?):
            return Self.displayable(kid).map { "no key with kid \($0) is configured" } ?? "token names an unknown kid"
        case .unknownKey(nil):
            return "token has no kid and more than one key is configured"
        case .unsupportedCritical(let names):
            let shown = names.compactMap { Self.displayable($0) }.joined(separator: ", ")
            return "token requires header extensions this server does not support" + (shown.isEmpty ? "" : ": \(shown)")
        case .badSignature:
            return "signature does not verify"
        case .missingClaim(let name):
            return "required claim \(Self.displayable(name) ?? "?") is missing"
        case .invalidClaim(let name, let problem):
            return "claim \(Self.displayable(name) ?? "?") \(Self.displayable(problem, limit: 80) ?? "is invalid")"
        case .expired:
            return "token has expired"
        case .notYetValid:
            return "token is not valid yet (nbf)"
        case .issuedInTheFuture:
            return "token was issued in the future (iat)"
        case .wrongIssuer:
            return "token was issued by another issuer"
        case .wrongAudience:
            return "token is meant for another audience"
        case .revoked:
            return "token has been revoked"
        }
    }

    /// `text` when it is short printable ASCII without quotes or
    /// backslashes, else nil: attacker-chosen strings stay out of headers.
    static func displayable(_ text: String, limit: Int = 64) -> String? {
        guard !text.isEmpty, text.utf8.count <= limit,
              text.utf8.allSatisfy({ (0x20...0x7E).contains($0) && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        else { return nil }
        return text
    }
}
