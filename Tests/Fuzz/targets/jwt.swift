import Glibc
internal import COpenSSL

// JWT compact parsing with its header and claims JSON. Half the inputs are
// tokens as given; the other half are a header and a payload from the input,
// signed with the key ring's HS256 secret, so the claims reader is reached.
// A token the verifier accepts must have said alg HS256 (the key decides the
// algorithm, never the token) and must carry exactly the subject it names.
let secret = Array("fuzz-secret-of-at-least-32-bytes!!".utf8)
let secretPath = "/tmp/streamd-fuzz-jwt-\(getpid()).secret"
let verifier: TokenVerifier = {
    let fd = open(secretPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    _ = secret.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    do {
        let ring = try KeyRing.load([KeySpec(kid: "k1", algorithm: .hs256, path: secretPath)])
        return TokenVerifier(keyRing: ring, settings: VerifierSettings(verifiedTokenCacheEntries: 0))
    } catch {
        fatalError("fuzz setup: \(error)")
    }
}()

func base64url(_ bytes: [UInt8]) -> String {
    String(Base64.encode(bytes).compactMap { character -> Character? in
        switch character {
        case "+": "-"
        case "/": "_"
        case "=": nil
        default: character
        }
    })
}

func hmacSHA256(_ message: [UInt8]) -> [UInt8] {
    var tag = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    _ = HMAC(EVP_sha256(), secret, Int32(secret.count), message, message.count, &tag, &length)
    return tag
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let now: Int64 = 1_800_000_000
    guard input[0] & 1 == 1 else {
        _ = verifier.verify(String(decoding: input[1...], as: UTF8.self), now: now)
        return 0
    }
    let parts = input[1...].split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
    let header = Array(parts[0])
    let payload = parts.count > 1 ? Array(parts[1]) : []
    let signingInput = base64url(header) + "." + base64url(payload)
    let token = signingInput + "." + base64url(hmacSHA256(Array(signingInput.utf8)))
    guard case .success(let claims) = verifier.verify(token, now: now) else { return 0 }

    let alg = (try? JSONReader.parse(header, maximumDepth: 16))?.objectValue?["alg"]?.stringValue
    precondition(alg == "HS256", "a token whose header says alg \(String(describing: alg)) was accepted")
    let sub = (try? JSONReader.parse(payload, maximumDepth: 16))?.objectValue?["sub"]?.stringValue
    precondition(sub == claims.subject, "accepted claims name subject \(claims.subject), the payload \(String(describing: sub))")
    precondition(claims.expiresAt + 30 >= now, "an expired token was accepted")
    return 0
}
