import CJWT
import Glibc

/// The only file that speaks to libjwt.
///
/// libjwt 1.10 picks the verification algorithm from the token's own header,
/// so it is only ever called after `TokenVerifier` has matched that header
/// against the selected key's one algorithm; the algorithm libjwt reports
/// afterwards is checked again. Claims are not read back from libjwt: the
/// verifier parses the very payload bytes that were signed.
final class LibJWTToken {
    private let handle: OpaquePointer

    private init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        jwt_free(handle)
    }

    /// Verifies `token`'s signature with `key` (PEM text or HMAC secret).
    /// Nil when libjwt refuses it for any reason.
    static func verified(_ token: String, key: [UInt8]) -> LibJWTToken? {
        guard key.count <= Int(Int32.max) else { return nil }
        var decoded: OpaquePointer?
        let status = key.withUnsafeBufferPointer { buffer in
            jwt_decode(&decoded, token, buffer.baseAddress, Int32(buffer.count))
        }
        guard status == 0, let decoded else {
            if let decoded { jwt_free(decoded) }
            return nil
        }
        return LibJWTToken(decoded)
    }

    /// The algorithm libjwt verified with, as its JOSE name.
    var algorithmName: String? {
        jwt_alg_str(jwt_get_alg(handle)).map { String(cString: $0) }
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
