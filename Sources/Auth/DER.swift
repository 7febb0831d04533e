/// Just enough DER to recognise what kind of key a PEM block holds (a sanity
/// check at load time so a wrong file fails with a sentence, not later with
/// every token refused) and to write an ECDSA signature as OpenSSL reads it.
struct DERReader {
    private let bytes: [UInt8]
    private var index: Int
    private let end: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = Array(bytes)
        self.index = 0
        self.end = self.bytes.count
    }

    var isAtEnd: Bool { index == end }

    /// The contents of the next element if it has `tag`.
    mutating func read(_ tag: UInt8) -> ArraySlice<UInt8>? {
        guard index + 2 <= end, bytes[index] == tag else { return nil }
        var cursor = index + 1
        var length = Int(bytes[cursor])
        cursor += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...3).contains(count), cursor + count <= end else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[cursor])
                cursor += 1
            }
        }
        guard length <= end - cursor else { return nil }
        index = cursor + length
        return bytes[cursor..<cursor + length]
    }

    static func element(_ tag: UInt8, _ contents: [UInt8]) -> [UInt8] {
        var length: [UInt8]
        if contents.count < 0x80 {
            length = [UInt8(contents.count)]
        } else {
            var remaining = contents.count
            length = []
            while remaining > 0 {
                length.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            length.insert(0x80 | UInt8(length.count), at: 0)
        }
        return [tag] + length + contents
    }

    /// `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279
    /// §2.2.3) from a JWS ES256 signature, which is r‖s as two 32-byte
    /// unsigned big-endian numbers (RFC 7518 §3.4). Nil for any other length.
    static func ecdsaSignature(rawRS raw: [UInt8]) -> [UInt8]? {
        guard raw.count == 64 else { return nil }
        return element(DERTag.sequence, unsignedInteger(raw[0..<32]) + unsignedInteger(raw[32..<64]))
    }

    /// Minimal DER: no leading zero bytes, except one that keeps a set high
    /// bit from reading as a sign (OpenSSL refuses any other encoding).
    private static func unsignedInteger(_ magnitude: ArraySlice<UInt8>) -> [UInt8] {
        var digits = Array(magnitude.drop(while: { $0 == 0 }))
        if digits.isEmpty || digits[0] & 0x80 != 0 { digits.insert(0, at: 0) }
        return element(DERTag.integer, digits)
    }
}

enum DERTag {
    static let integer: UInt8 = 0x02
    static let bitString: UInt8 = 0x03
    static let octetString: UInt8 = 0x04
    static let null: UInt8 = 0x05
    static let objectIdentifier: UInt8 = 0x06
    static let sequence: UInt8 = 0x30
}

enum OID {
    /// 1.2.840.10045.2.1
    static let ecPublicKey: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
    /// 1.2.840.10045.3.1.7 (P-256, the only curve ES256 allows)
    static let prime256v1: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    /// 1.2.840.113549.1.1.1
    static let rsaEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
}

/// What a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) or private key holds.
enum KeyKind: Equatable {
    case ecP256
    case ecOtherCurve
    case rsa(modulusBytes: Int)
    case other

    var summary: String {
        switch self {
        case .ecP256: return "an EC P-256 key"
        case .ecOtherCurve: return "an EC key on a curve other than P-256"
        case .rsa(let bytes): return "a \(bytes * 8)-bit RSA key"
        case .other: return "a key of an unsupported type"
        }
    }

    /// Parses `SEQUENCE { SEQUENCE { OID, params }, BIT STRING }`.
    static func ofSubjectPublicKeyInfo(_ der: [UInt8]) -> KeyKind? {
        var outer = DERReader(der[...])
        guard let spki = outer.read(DERTag.sequence), outer.isAtEnd else { return nil }
        var fields = DERReader(spki)
        guard let algorithm = fields.read(DERTag.sequence),
              let key = fields.read(DERTag.bitString), fields.isAtEnd,
              key.first == 0 else { return nil }
        var identifier = DERReader(algorithm)
        guard let oid = identifier.read(DERTag.objectIdentifier) else { return nil }
        if Array(oid) == OID.ecPublicKey {
            guard let curve = identifier.read(DERTag.objectIdentifier) else { return .ecOtherCurve }
            guard Array(curve) == OID.prime256v1 else { return .ecOtherCurve }
            let point = key.dropFirst()
            let uncompressed = point.count == 65 && point.first == 0x04
            let compressed = point.count == 33 && (point.first == 0x02 || point.first == 0x03)
            return uncompressed || compressed ? .ecP256 : nil
        }
        if Array(oid) == OID.rsaEncryption {
            return ofRSAPublicKey(Array(key.dropFirst()))
        }
        return .other
    }

    /// Parses PKCS #1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
    static func ofRSAPublicKey(_ der: [UInt8]) -> KeyKind? {
        var outer = DERReader(der[...])
        guard let sequence = outer.read(DERTag.sequence), outer.isAtEnd else { return nil }
        var fields = DERReader(sequence)
        guard let modulus = fields.read(DERTag.integer),
              fields.read(DERTag.integer) != nil, fields.isAtEnd else { return nil }
        let significant = modulus.drop(while: { $0 == 0 })
        guard !significant.isEmpty else { return nil }
        return .rsa(modulusBytes: significant.count)
    }

    /// Wraps a PKCS #1 RSA public key in a SubjectPublicKeyInfo, the form
    /// `SignatureKey` hands OpenSSL (d2i_PUBKEY).
    static func subjectPublicKeyInfo(wrappingRSAPublicKey pkcs1: [UInt8]) -> [UInt8] {
        let algorithm = DERReader.element(DERTag.sequence,
            DERReader.element(DERTag.objectIdentifier, OID.rsaEncryption) + [DERTag.null, 0])
        let key = DERReader.element(DERTag.bitString, [0] + pkcs1)
        return DERReader.element(DERTag.sequence, algorithm + key)
    }

    /// Parses PKCS #8 `PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING }`.
    static func ofPrivateKeyInfo(_ der: [UInt8]) -> KeyKind? {
        var outer = DERReader(der[...])
        guard let info = outer.read(DERTag.sequence) else { return nil }
        var fields = DERReader(info)
        guard fields.read(DERTag.integer) != nil,
              let algorithm = fields.read(DERTag.sequence),
              fields.read(DERTag.octetString) != nil else { return nil }
        var identifier = DERReader(algorithm)
        guard let oid = identifier.read(DERTag.objectIdentifier) else { return nil }
        if Array(oid) == OID.ecPublicKey {
            let curve = identifier.read(DERTag.objectIdentifier)
            return curve.map(Array.init) == OID.prime256v1 ? .ecP256 : .ecOtherCurve
        }
        if Array(oid) == OID.rsaEncryption {
            return .rsa(modulusBytes: 0)
        }
        return .other
    }
}
