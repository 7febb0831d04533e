/// The signature algorithms a verification key may be configured with.
///
/// Each key has exactly one; a token's header `alg` must equal it exactly
/// (RFC 8725 §3.1). `none` is deliberately not a case.
public enum JWTAlgorithm: String, Sendable, Codable, CaseIterable {
    case es256 = "ES256"
    case rs256 = "RS256"
    case hs256 = "HS256"
}

/// One verification key as the server configuration names it:
/// `"keys": [{"kid":"k1","algorithm":"ES256","path":"keys/k1.pub.pem"}]`.
public struct KeySpec: Sendable, Codable, Equatable {
    public var kid: String
    public var algorithm: JWTAlgorithm
    /// A PEM public key for ES256/RS256, a secret file for HS256.
    public var path: String

    public init(kid: String, algorithm: JWTAlgorithm, path: String) {
        self.kid = kid
        self.algorithm = algorithm
        self.path = path
    }
}

/// A key or secret file that cannot be used, named with its file and problem
/// so an operator knows what to fix.
public struct AuthConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
