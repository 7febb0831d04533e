internal import COpenSSL

/// One `SSL_CTX`: certificates, protocol policy and the session cache. Immutable after
/// init, so every event loop shares the same instance (OpenSSL locks its session cache).
public final class TLSContext: @unchecked Sendable {
    /// TLS 1.2 suites: forward secret (ECDHE) and AEAD only, ECDSA before RSA.
    static let tls12Ciphers =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    /// OpenSSL's default TLS 1.3 suites, cheapest first (the server's preference wins,
    /// except that clients which prefer ChaCha20 — no AES hardware — get it).
    static let tls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
    static let groups = "X25519:P-256"
    static let sessionIDContext: [UInt8] = Array("streamd".utf8)

    let pointer: OpaquePointer
    let isServer: Bool
    let verifiesPeer: Bool
    private let summary: String

    /// Subject CN, key type and expiry of the server certificate, for the start-up log line.
    public var certificateSummary: String { summary }

    public init(server configuration: TLSServerConfiguration) throws(TLSError) {
        // Read both files first so a missing or unreadable file is reported by name
        // before OpenSSL gets a chance to say something vaguer.
        let certificatePath = configuration.certificateChainPath
        let certificatePEM = try FileAccess.read(certificatePath, role: "certificate file")
        let keyPEM = try FileAccess.read(configuration.privateKeyPath, role: "private key file")
        let chain = try Self.loadChain(certificatePEM, path: certificatePath)
        let key = try Self.loadPrivateKey(
            keyPEM, path: configuration.privateKeyPath, leaf: chain[0], certificatePath: certificatePath)

        pointer = try Self.makeContext(server: true)
        isServer = true
        verifiesPeer = false
        summary = Self.describe(leaf: chain[0].pointer, chainLength: chain.count)
        try applyServerPolicy(configuration)
        try install(chain: chain, key: key, configuration: configuration)
    }

    public init(client configuration: TLSClientConfiguration) throws(TLSError) {
        pointer = try Self.makeContext(server: false)
        isServer = false
        verifiesPeer = configuration.verifyPeer
        summary = ""
        try applyClientPolicy(configuration)
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    private static func makeContext(server: Bool) throws(TLSError) -> OpaquePointer {
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()) else {
            throw .openSSL("cannot create a TLS context")
        }
        return context
    }
}
