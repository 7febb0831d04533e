import Foundation
import TLS

/// JWTs built by hand, for attacks no honest issuer would produce: any
/// header, any claims, HMAC-signed with any secret (including a public key's
/// PEM text), or not signed at all.
enum HandMadeJWT {
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URL(_ text: String) -> String { base64URL(Array(text.utf8)) }

    /// HMAC-SHA256 (RFC 2104) over the TLS target's SHA-256.
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? Digest.sha256(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = Digest.sha256(block.map { $0 ^ 0x36 } + message)
        return Digest.sha256(block.map { $0 ^ 0x5c } + inner)
    }

    static func hs256(header: String, claims: String, secret: [UInt8]) -> String {
        let signingInput = base64URL(header) + "." + base64URL(claims)
        return signingInput + "." + base64URL(hmacSHA256(key: secret, message: Array(signingInput.utf8)))
    }

    static func unsigned(header: String, claims: String) -> String {
        base64URL(header) + "." + base64URL(claims) + "."
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    static func claims(sub: String = "acct-1", roles: String = #"["trader"]"#, exp: Int64? = nil, extra: String = "") -> String {
        #"{"sub":"\#(sub)","exp":\#(exp ?? now + 3600),"iat":\#(now),"roles":\#(roles)\#(extra)}"#
    }
}
