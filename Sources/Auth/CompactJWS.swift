import Base

/// A token split into its three JWS Compact Serialization segments
/// (RFC 7515 §7.1) with the header read by us, before any key is touched.
struct CompactJWS {
    /// Headers and claims are flat; a token nested deeper is an attack, not a token.
    static let maximumJSONDepth = 16

    let header: JOSEHeader
    /// `header.payload`, the ASCII bytes exactly as received (RFC 7515 §5.2).
    let signingInput: ArraySlice<UInt8>
    let payloadSegment: ArraySlice<UInt8>
    let signatureSegment: ArraySlice<UInt8>

    /// Structure and header checks, in the order that makes each rejection
    /// meaningful: an unsigned token is reported as `alg none` even though
    /// its empty signature segment is also malformed.
    static func parse(_ token: String) throws(TokenError) -> CompactJWS {
        let bytes = Array(token.utf8)
        let segments = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            throw .malformed("expected 3 dot-separated segments, found \(segments.count)")
        }
        guard !segments[0].isEmpty else { throw .malformed("empty header segment") }
        guard let headerBytes = Base64.decode(segments[0], alphabet: .url) else {
            throw .malformed("header is not canonical base64url")
        }
        let header = try JOSEHeader(json: headerBytes)

        guard !segments[1].isEmpty else { throw .malformed("empty payload segment") }
        guard !segments[2].isEmpty else { throw .malformed("empty signature segment") }
        return CompactJWS(header: header, signingInput: bytes[segments[0].startIndex..<segments[1].endIndex],
                          payloadSegment: segments[1], signatureSegment: segments[2])
    }
}

/// The JOSE header members we act on. `jku`, `x5u`, `jwk` and `x5c` are
/// deliberately not read: keys come from the key ring, never from the token,
/// and nothing is ever fetched.
struct JOSEHeader {
    let algorithm: String
    let keyID: String?

    init(json: [UInt8]) throws(TokenError) {
        let parsed: JSONValue
        do {
            parsed = try JSONReader.parse(json, maximumDepth: CompactJWS.maximumJSONDepth)
        } catch {
            throw .malformed("header is not valid JSON")
        }
        guard let members = parsed.objectValue else { throw .malformed("header is not a JSON object") }

        guard let alg = members["alg"] else { throw .malformed("header has no alg") }
        guard case .string(let algorithm) = alg else { throw .malformed("header alg is not a string") }
        // Any spelling: "None" must not reach a library that compares loosely.
        if algorithm.lowercased() == "none" { throw .algorithmNone }

        // RFC 7515 §4.1.11: a recipient that does not understand a listed
        // extension must reject. We understand none.
        if let crit = members["crit"] {
            guard case .array(let elements) = crit, !elements.isEmpty else {
                throw .malformed("header crit is not a non-empty array")
            }
            var names: [String] = []
            for element in elements {
                guard case .string(let name) = element else { throw .malformed("header crit is not an array of names") }
                names.append(name)
            }
            throw .unsupportedCritical(names)
        }

        switch members["kid"] {
        case nil: keyID = nil
        case .string(let kid)?: keyID = kid
        case _?: throw .malformed("header kid is not a string")
        }
        self.algorithm = algorithm
    }
}
