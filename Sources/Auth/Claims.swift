import Base

/// The claims of a verified token, typed. Times are unix seconds.
public struct Claims: Sendable, Equatable {
    public let subject: String
    /// Fractional `exp` is rounded down (the token ends no later than it says).
    public let expiresAt: Int64
    /// Fractional `iat`/`nbf` are rounded up (the token starts no earlier).
    public let issuedAt: Int64?
    public let notBefore: Int64?
    public let issuer: String?
    /// `aud` as given, a single string becoming one element; empty when absent.
    public let audience: [String]
    public let tokenID: String?
    /// Empty when the claim is absent.
    public let roles: [String]
    /// Nil when the claim is absent: absent means "no narrowing", which is
    /// not the same as an empty list.
    public let channels: [String]?
    /// The kid of the key that verified the signature.
    public let keyID: String

    public init(subject: String, expiresAt: Int64, issuedAt: Int64? = nil, notBefore: Int64? = nil,
                issuer: String? = nil, audience: [String] = [], tokenID: String? = nil,
                roles: [String] = [], channels: [String]? = nil, keyID: String) {
        self.subject = subject
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.issuer = issuer
        self.audience = audience
        self.tokenID = tokenID
        self.roles = roles
        self.channels = channels
        self.keyID = keyID
    }
}

extension Claims {
    /// Types every claim we understand; other claims are ignored. Runs only
    /// on a payload whose signature has been verified.
    init(payload members: JSONObject, keyID: String) throws(TokenError) {
        guard let sub = members["sub"] else { throw .missingClaim("sub") }
        guard case .string(let subject) = sub else { throw .invalidClaim(name: "sub", problem: "is not a string") }
        guard !subject.isEmpty else { throw .invalidClaim(name: "sub", problem: "is empty") }
        guard let exp = members["exp"] else { throw .missingClaim("exp") }

        self.init(
            subject: subject,
            expiresAt: try Self.seconds(exp, name: "exp", rounding: .down),
            issuedAt: try members["iat"].map { v throws(TokenError) in try Self.seconds(v, name: "iat", rounding: .up) },
            notBefore: try members["nbf"].map { v throws(TokenError) in try Self.seconds(v, name: "nbf", rounding: .up) },
            issuer: try members["iss"].map { v throws(TokenError) in try Self.string(v, name: "iss") },
            audience: try members["aud"].map { v throws(TokenError) in try Self.audience(v) } ?? [],
            tokenID: try members["jti"].map { v throws(TokenError) in try Self.string(v, name: "jti") },
            roles: try members["roles"].map { v throws(TokenError) in try Self.strings(v, name: "roles") } ?? [],
            channels: try members["channels"].map { v throws(TokenError) in try Self.strings(v, name: "channels") },
            keyID: keyID)
    }

    private enum Rounding { case up, down }

    /// A NumericDate (RFC 7519 §2): an integer or fractional JSON number.
    private static func seconds(_ value: JSONValue, name: String, rounding: Rounding) throws(TokenError) -> Int64 {
        guard case .number(let number) = value else {
            throw .invalidClaim(name: name, problem: "is not a number")
        }
        // 2^62 keeps leeway arithmetic far from overflow; real dates are ~2^31.
        if let exact = number.exactInteger {
            guard exact.magnitude < 1 << 62 else { throw .invalidClaim(name: name, problem: "is out of range") }
            return exact
        }
        guard let double = number.double, double.isFinite, abs(double) < 0x1p62 else {
            throw .invalidClaim(name: name, problem: "is out of range")
        }
        return Int64(rounding == .up ? double.rounded(.up) : double.rounded(.down))
    }

    private static func string(_ value: JSONValue, name: String) throws(TokenError) -> String {
        guard case .string(let text) = value else { throw .invalidClaim(name: name, problem: "is not a string") }
        return text
    }

    private static func strings(_ value: JSONValue, name: String) throws(TokenError) -> [String] {
        guard case .array(let elements) = value else {
            throw .invalidClaim(name: name, problem: "is not an array of strings")
        }
        var texts: [String] = []
        for element in elements {
            guard case .string(let text) = element else {
                throw .invalidClaim(name: name, problem: "is not an array of strings")
            }
            texts.append(text)
        }
        return texts
    }

    private static func audience(_ value: JSONValue) throws(TokenError) -> [String] {
        if case .string(let single) = value { return [single] }
        guard case .array = value else {
            throw .invalidClaim(name: "aud", problem: "is not a string or an array of strings")
        }
        return try strings(value, name: "aud")
    }
}
