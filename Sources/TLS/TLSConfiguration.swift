/// Protocol versions streamd speaks; nothing older than TLS 1.2 is ever negotiated.
public enum TLSVersion: Sendable, Comparable {
    case v1_2
    case v1_3

    var openSSLValue: Int32 {
        switch self {
        case .v1_2: return 0x0303  // TLS1_2_VERSION
        case .v1_3: return 0x0304  // TLS1_3_VERSION
        }
    }
}

public struct TLSServerConfiguration: Sendable {
    /// PEM file holding the leaf certificate first, then any intermediates.
    public var certificateChainPath: String
    /// PEM private key (PKCS#8 or traditional); EC P-256 by default, RSA accepted. Must not be encrypted.
    public var privateKeyPath: String
    public var minimumVersion: TLSVersion = .v1_2
    public var maximumVersion: TLSVersion = .v1_3

    public init(certificateChainPath: String, privateKeyPath: String) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
    }
}

public struct TLSClientConfiguration: Sendable {
    /// PEM file (or hashed directory) of trusted CAs; nil uses the system default verify paths.
    public var caPath: String?
    public var verifyPeer: Bool
    public var minimumVersion: TLSVersion = .v1_2
    public var maximumVersion: TLSVersion = .v1_3

    /// Test seams: a TLS 1.2 cipher list and a raw protocol range (OpenSSL version numbers)
    /// that let tests play a legacy or misconfigured client against our server.
    var cipherListOverride: String?
    var protocolRangeOverride: (minimum: Int32, maximum: Int32)?

    public init(caPath: String? = nil, verifyPeer: Bool = true) {
        self.caPath = caPath
        self.verifyPeer = verifyPeer
    }
}
