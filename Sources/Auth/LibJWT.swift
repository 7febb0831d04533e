internal import CJWT
import Glibc

/// The only file that speaks to libjwt, which issues tokens.
///
/// It does not verify them: libjwt 1.10 picks the verification algorithm
/// from the token's own header and parses the PEM key again on every call
/// (several ECDSA verifications' worth of work). `TokenVerifier` checks
/// signatures with `SignatureKey`, parsed once per key ring.
final class LibJWTToken {
    private let handle: OpaquePointer

    private init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        jwt_free(handle)
    }

    /// Signs a compact JWS; libjwt writes `alg` and `typ` into the header.
    static func sign(algorithm: JWTAlgorithm, key: [UInt8], kid: String, claimsJSON: String) -> String? {
        var created: OpaquePointer?
        guard jwt_new(&created) == 0, let created else { return nil }
        let token = LibJWTToken(created)

        let status = key.withUnsafeBufferPointer { buffer in
            jwt_set_alg(token.handle, algorithm.libjwtValue, buffer.baseAddress, Int32(buffer.count))
        }
        guard status == 0,
              jwt_add_header(token.handle, "kid", kid) == 0,
              jwt_add_grants_json(token.handle, claimsJSON) == 0,
              let encoded = jwt_encode_str(token.handle) else { return nil }
        defer { free(encoded) }
        return String(cString: encoded)
    }
}

extension JWTAlgorithm {
    fileprivate var libjwtValue: jwt_alg_t {
        switch self {
        case .es256: return JWT_ALG_ES256
        case .rs256: return JWT_ALG_RS256
        case .hs256: return JWT_ALG_HS256
        }
    }
}
